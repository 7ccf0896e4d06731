/**
 * The caller's credentials: none where the gateway serves default ones (its embedded simulator on a
 * loopback host), otherwise a token and an organization id typed by the user and kept in this
 * browser tab's sessionStorage only (gone when the tab closes; never in localStorage or a cookie).
 */
export interface Credentials {
  token: string;
  organizationId: string;
}

const KEY = 'fine-tuning-dashboard.credentials';

export function loadCredentials(): Credentials | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Partial<Credentials> | null;
    return value && typeof value.token === 'string' && typeof value.organizationId === 'string'
      ? { token: value.token, organizationId: value.organizationId }
      : null;
  } catch {
    return null;
  }
}

export function saveCredentials(credentials: Credentials | null): void {
  if (credentials) sessionStorage.setItem(KEY, JSON.stringify(credentials));
  else sessionStorage.removeItem(KEY);
}

/** HTTP headers of the credentials (none: the gateway's defaults apply, where it has any). */
export function credentialHeaders(credentials: Credentials | null): Record<string, string> {
  return credentials
    ? { authorization: `Bearer ${credentials.token}`, 'x-organization-id': credentials.organizationId }
    : {};
}
