/**
 * The providers the gateway serves (`providers`), read once, and the one in effect: the user's pick
 * where the gateway still serves it, else the gateway's default (none until they are read). A pick
 * the gateway no longer serves is forgotten, so that requests stop naming it.
 */
import { useEffect, useState } from 'preact/hooks';
import { request } from './api';
import type { ProvidersQuery } from './gql/graphql';
import { Providers } from './operations';
import { saveProvider, type ProviderName } from './provider';

export type ProviderInfo = ProvidersQuery['providers'][number];

export const nameOf = (provider: ProviderInfo): ProviderName => provider.name.toLowerCase() as ProviderName;

export function useProviders(picked: ProviderName | null): {
  providers: readonly ProviderInfo[];
  current: ProviderInfo | null;
  /** Whether the gateway has answered (`providers` empty after that: it could not say). */
  loaded: boolean;
} {
  const [providers, setProviders] = useState<readonly ProviderInfo[]>([]);
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    let current = true;
    request(Providers).then(
      (data) => {
        if (!current) return;
        setProviders(data.providers);
        setLoaded(true);
      },
      // An older gateway without `providers`: the dashboard runs as it did, on its only provider.
      () => current && setLoaded(true),
    );
    return () => {
      current = false;
    };
  }, []);
  const served = providers.find((p) => nameOf(p) === picked);
  useEffect(() => {
    if (picked && providers.length && !served) saveProvider(null);
  }, [picked, providers, served]);
  return { providers, current: served ?? providers.find((p) => p.isDefault) ?? providers[0] ?? null, loaded };
}
