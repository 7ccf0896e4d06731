/**
 * Whose cached answers a request may read, and under which key: the caller as the gateway resolves it
 * (credentials.ts: the provider, the organization and the token it runs with, the default credentials
 * included where they may serve), never what the request merely says. Two tokens of one organization
 * are two callers; a request whose credentials do not resolve reads and writes nothing.
 *
 * Everything here is a hash: the token never appears in a key, in the store or in a header.
 * - `session`: the caller (provider, account, token), part of every key's hash.
 * - `scope`: the caller's account on its provider (an Nscale organization; on Together, which has no
 *   organizations, the key's own account, as live updates name it). It prefixes the key, so that the
 *   store can tie each answer to its account: a mutation evicts its account's answers, a job change
 *   the account's job lists. Knowing a scope gives nothing: it is not a key.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ProviderName } from '../../providers/provider-name.js';
import { togetherLiveCredentials } from '../../providers/together-live-client.js';
import { jwtExpiry } from '../../upstream/jwt-expiry.js';
import type { CallCredentials } from '../../upstream/types.js';
import { readCaller, type Caller } from '../caller.js';
import { resolveProviderCredentials, type ProviderAccess } from '../credentials.js';

export interface CacheIdentity {
  session: string;
  scope: string;
  /** When the token stops being served (its JWT `exp`, ms), or null when it has none we can read. */
  expiresAt: number | null;
}

const digest = (parts: readonly string[]): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url');

/** Length of a scope in a key (base64url of 132 bits of SHA-256). */
const SCOPE_LENGTH = 22;

/**
 * The account `credentials` act for on `provider`, as live updates name it: an Nscale organization,
 * or on Together the fingerprint of the key (live updates' pollers are keyed by the same).
 */
export function accountOf(provider: ProviderName, credentials: CallCredentials): string {
  return provider === 'together'
    ? togetherLiveCredentials(credentials.token).organizationId
    : (credentials.organizationId ?? '');
}

/** The scope of an account (see the header). */
export function scopeOf(provider: ProviderName, account: string): string {
  return digest([provider, account]).slice(0, SCOPE_LENGTH);
}

export function cacheIdentity(provider: ProviderName, credentials: CallCredentials): CacheIdentity {
  const account = accountOf(provider, credentials);
  return {
    session: digest([provider, account, credentials.token]),
    scope: scopeOf(provider, account),
    expiresAt: jwtExpiry(credentials.token),
  };
}

/**
 * The cache's caller of an HTTP request: who the context factory would run it as (the same reading,
 * caller.ts, and the same rules, credentials.ts), or null when its credentials do not resolve. A
 * caller already read from the request may be given (fast-hits.ts reads it once for everything).
 */
export function requestIdentifier(
  access: readonly ProviderAccess[],
  allowedHosts: readonly string[],
): (request: Request, caller?: Caller) => CacheIdentity | null {
  // The digests of the callers seen lately, so that a request costs one SHA-256 (its key's), not three.
  // Like caller-cache.ts's entries, keyed by the credentials themselves: in this process only, never
  // logged, serialised or stored, and bounded.
  const known = new LRUCache<string, CacheIdentity>({ max: 10_000 });
  return (request, caller = readCaller({ transport: 'http', request })) => {
    const outcome = resolveProviderCredentials(caller, access, allowedHosts);
    if (!outcome.ok) return null;
    const { token, organizationId = '' } = outcome.credentials;
    const memo = `${outcome.provider}\n${organizationId}\n${token}`;
    let identity = known.get(memo);
    if (!identity) known.set(memo, (identity = cacheIdentity(outcome.provider, outcome.credentials)));
    return identity;
  };
}

/** Whether a document may select a job list: any field named `jobs` appears in its text (a cheap superset). */
const JOBS_FIELD = /\bjobs\b/;

/**
 * The key of an answer: `<scope>.<j|o>.<hash>`, where `j` marks a document that may list jobs (its
 * answer is evicted when any job of the account changes) and the hash covers the caller, the `Host`
 * the request was sent to, the document, the operation and the variables. The host, because an answer
 * may hold a link on the origin the caller reached the gateway at (Together's `downloadUrl` without
 * DOWNLOAD_LINK_BASE_URL): a gateway reached under two names must not hand one name's links to callers
 * of the other (trial). Read as the request's raw `Host` header, the same before yoga and in it.
 */
export function cacheKey(
  identity: CacheIdentity,
  host: string,
  documentString: string,
  operationName: string | null | undefined,
  variables: unknown,
): string {
  const hash = digest([identity.session, host, documentString, operationName ?? '', JSON.stringify(variables ?? {})]);
  return `${identity.scope}.${JOBS_FIELD.test(documentString) ? 'j' : 'o'}.${hash}`;
}

/** What a key says of its answer; null for a string that is not one of these keys. */
export function keyParts(key: string): { scope: string; listsJobs: boolean } | null {
  if (key.length < SCOPE_LENGTH + 4 || key[SCOPE_LENGTH] !== '.' || key[SCOPE_LENGTH + 2] !== '.') return null;
  return { scope: key.slice(0, SCOPE_LENGTH), listsJobs: key[SCOPE_LENGTH + 1] === 'j' };
}
