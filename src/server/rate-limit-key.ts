/**
 * Whose quota an operation spends. A token is keyed by a hash of it (the token itself is never stored,
 * in memory or in Redis); a caller is told apart by its client address (an IPv6 one by its /64:
 * address-group.ts) when it sends no token, and also while its token is unproven (create-rate-limit.ts:
 * anyone can invent tokens).
 *
 * The rate limit's own keys (create-rate-limit.ts: its Redis keys, shared by a deployment's instances)
 * are an HMAC of the token under a key of the deployment's (`tokenKeyer`), not a plain hash: anyone
 * reading Redis could otherwise confirm a guessed token (`demo-token`) by hashing it, and follow one
 * token across deployments. The other per-caller tables, in this process's memory only, use `tokenKey`.
 */
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { addressGroup } from './address-group.js';
import { sha256Hex } from './sha256-hex.js';

/** Read from the request or the WebSocket connection by caller.ts (`Caller.rateLimitSubject`). */
export interface RateLimitSubject {
  /** The caller's bearer token, or null when it sent none (or not as `Bearer <token>`). */
  token: string | null;
  /** The client's address as the gateway saw it (the TCP peer). */
  remoteAddress?: string | null | undefined;
  /** `X-Forwarded-For`, used only when the operator trusts the proxy in front (RATE_LIMIT_TRUST_PROXY). */
  forwardedFor?: string | null | undefined;
}

/** The key of a token: 128 bits of its hash, no collisions between callers in practice, and nothing to reverse. */
export function tokenKey(token: string): string {
  return `token:${sha256Hex(token).slice(0, 32)}`;
}

/** The key of a token in the rate limit's tables: like `tokenKey`, but 128 bits of an HMAC-SHA-256 under `secret`. */
export function tokenKeyer(secret: Buffer): (token: string) => string {
  const key = createSecretKey(secret);
  return (token) => `token:${createHmac('sha256', key).update(token, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * The key a deployment's instances key tokens with in Redis (`tokenKeyer`), the same on each of them:
 * derived from REDIS_MESSAGE_SECRET (the secret they share and keep out of Redis's reach), apart from
 * its use for signing messages and per realm (redis-realm.ts). Without that secret there is none to
 * derive it from: it is derived from the realm alone, which tells deployments apart but is no secret
 * (the settings say so). In memory only (no Redis), a key of this process's own.
 */
export function rateLimitKeySecret(shared: { messageSecret: string | null; realm: string } | null): Buffer {
  if (shared === null) return randomBytes(32);
  return createHmac('sha256', shared.messageSecret ?? shared.realm)
    .update(`ftgw rate-limit token keys\n${shared.realm}`)
    .digest();
}

export function addressKey(subject: RateLimitSubject, trustProxy: boolean): string {
  // The last entry is the one the proxy in front appended; earlier ones are whatever the client claimed.
  const forwarded = trustProxy ? subject.forwardedFor?.split(',').at(-1)?.trim() : undefined;
  return `address:${addressGroup(forwarded || subject.remoteAddress || 'unknown')}`; // IPv6: its /64
}

/** The token's key when the caller sent one, else its address's. */
export function rateLimitKey(subject: RateLimitSubject, trustProxy: boolean): string {
  return subject.token ? tokenKey(subject.token) : addressKey(subject, trustProxy);
}
