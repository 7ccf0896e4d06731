/**
 * Who is calling: `Authorization: Bearer <API key>` resolved to an account. Together has no
 * organization id in its paths: the key alone names the account. A missing or unknown key is 401
 * with Together's `invalid_api_key` code; the message never repeats the key.
 */
import { TogetherError } from './errors.js';
import type { TogetherTenantOption } from './options.js';

export type TogetherAuthenticator = (authorization: string | undefined) => string;

const unauthenticated = (message: string): TogetherError =>
  new TogetherError(401, 'authentication_error', message, { code: 'invalid_api_key' });

export function createTogetherAuthenticator(tenants: readonly TogetherTenantOption[]): TogetherAuthenticator {
  const byToken = new Map(tenants.map((t) => [t.token, t.accountId]));
  return (authorization) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) throw unauthenticated('No API key provided: send it as Authorization: Bearer <API key>.');
    const account = byToken.get(token);
    if (account === undefined)
      throw unauthenticated('Invalid API key provided. You can find your API key in your account settings.');
    return account;
  };
}
