/**
 * Whose quota an operation spends. A token is keyed by a hash of it (the token itself is never stored,
 * in memory or in Redis); a caller is told apart by its client address when it sends no token, and
 * also while its token is unproven (create-rate-limit.ts: anyone can invent tokens).
 */
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

export function addressKey(subject: RateLimitSubject, trustProxy: boolean): string {
  // The last entry is the one the proxy in front appended; earlier ones are whatever the client claimed.
  const forwarded = trustProxy ? subject.forwardedFor?.split(',').at(-1)?.trim() : undefined;
  return `address:${forwarded || subject.remoteAddress || 'unknown'}`;
}

/** The token's key when the caller sent one, else its address's. */
export function rateLimitKey(subject: RateLimitSubject, trustProxy: boolean): string {
  return subject.token ? tokenKey(subject.token) : addressKey(subject, trustProxy);
}
