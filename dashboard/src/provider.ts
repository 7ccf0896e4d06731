/**
 * The provider the user picked in the header (`nscale`, `together`), kept like the credentials are: in
 * this browser tab's sessionStorage only. Every request names it (`X-Provider`, over WebSocket
 * `connectionParams.provider`); with none picked the gateway uses its default provider.
 */
import type { Provider } from './gql/graphql';

const KEY = 'fine-tuning-dashboard.provider';

/** The gateway's spelling of a provider in `X-Provider`: the enum value in lower case. */
export type ProviderName = Lowercase<`${Provider}`>;

const isProviderName = (value: string | null): value is ProviderName => value === 'nscale' || value === 'together';

/**
 * The provider an id names: the gateway gives out Together's ids with its `together:` prefix
 * (`together:ft-…`); Nscale's are as Nscale made them, and name no provider (null).
 */
export function providerOfId(id: string): ProviderName | null {
  return id.startsWith('together:') ? 'together' : null;
}

export function loadProvider(): ProviderName | null {
  try {
    const value = sessionStorage.getItem(KEY);
    return isProviderName(value) ? value : null;
  } catch {
    return null;
  }
}

export function saveProvider(provider: ProviderName | null): void {
  if (provider) sessionStorage.setItem(KEY, provider);
  else sessionStorage.removeItem(KEY);
}

/** The `X-Provider` header of the picked provider (none: the gateway's default applies). */
export function providerHeaders(): Record<string, string> {
  const provider = loadProvider();
  return provider ? { 'x-provider': provider } : {};
}
