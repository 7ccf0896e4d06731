/**
 * Who is calling: `Authorization: Bearer <token>` resolved to an organization. A token is either one
 * of the configured tenants' fixed tokens, or an HS256 JWT signed with `jwtSecret` whose
 * `organization_id` claim (or, failing that, `org`) names the organization. JWT expiry is judged on
 * the simulator's clock, so tests can expire a token by moving a fake clock. Messages never repeat the token.
 */
import { errors, jwtVerify } from 'jose';
import { ApiError } from './api-error.js';
import type { TenantOption } from './options.js';

export interface Authenticator {
  /** The caller's organization id; throws 401 `unauthenticated`. */
  authenticate(authorization: string | undefined, now: number): Promise<string>;
}

const unauthenticated = (message: string): ApiError => new ApiError('unauthenticated', message);

export function createAuthenticator(tenants: readonly TenantOption[], jwtSecret: string | undefined): Authenticator {
  const byToken = new Map(tenants.map((t) => [t.token, t.organizationId]));
  const key = jwtSecret === undefined ? undefined : new TextEncoder().encode(jwtSecret);

  async function fromJwt(token: string, now: number): Promise<string> {
    if (key === undefined) throw unauthenticated('unknown token');
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], currentDate: new Date(now) });
      const org = payload['organization_id'] ?? payload['org'];
      if (typeof org !== 'string' || org === '') throw unauthenticated('the token has no organization_id claim');
      return org;
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (error instanceof errors.JWTExpired) throw unauthenticated('the token has expired');
      throw unauthenticated('the token is not a valid service token (bad signature or claims)');
    }
  }

  return {
    async authenticate(authorization, now) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (match?.[1] === undefined) throw unauthenticated('missing Authorization: Bearer <token> header');
      const token = match[1];
      const org = byToken.get(token);
      if (org !== undefined) return org;
      // Three base64url parts: a JWT. Anything else is simply not a token we know.
      if (/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return fromJwt(token, now);
      throw unauthenticated('unknown token');
    },
  };
}
