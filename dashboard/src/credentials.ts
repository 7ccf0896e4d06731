/**
 * The caller's credentials: none where the gateway serves default ones (its embedded simulator on a
 * loopback host), otherwise a token and an organization id (Nscale; Together has none: "") typed by
 * the user and kept in this browser tab's sessionStorage only (gone when the tab closes; never in
 * localStorage or a cookie). Each provider's are kept apart, so that one provider's token is never
 * sent to the other after a switch.
 */
import { loadProvider } from './provider';

export interface Credentials {
  token: string;
  organizationId: string;
}

const KEY = 'fine-tuning-dashboard.credentials';

/** Nscale's key is the one kept before there were providers: a signed-in tab stays signed in. */
function keyOf(): string {
  const provider = loadProvider();
  return provider && provider !== 'nscale' ? `${KEY}.${provider}` : KEY;
}

export function loadCredentials(): Credentials | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(keyOf()) ?? 'null') as Partial<Credentials> | null;
    return value && typeof value.token === 'string' && typeof value.organizationId === 'string'
      ? { token: value.token, organizationId: value.organizationId }
      : null;
  } catch {
    return null;
  }
}

export function saveCredentials(credentials: Credentials | null): void {
  if (credentials) sessionStorage.setItem(keyOf(), JSON.stringify(credentials));
  else sessionStorage.removeItem(keyOf());
}

/** HTTP headers of the credentials (none: the gateway's defaults apply, where it has any). */
export function credentialHeaders(credentials: Credentials | null): Record<string, string> {
  if (!credentials) return {};
  const authorization = `Bearer ${credentials.token}`;
  return credentials.organizationId
    ? { authorization, 'x-organization-id': credentials.organizationId }
    : { authorization };
}
