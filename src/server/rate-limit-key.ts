/**
 * Whose quota an operation spends: a caller with a token of its own is one caller wherever it comes
 * from, keyed by a hash of the token (the token itself is never stored, in memory or in Redis);
 * callers on the gateway's default credentials (no token) are told apart by client address.
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

export function rateLimitKey(subject: RateLimitSubject, trustProxy: boolean): string {
  // 128 bits of the hash: no collisions between callers in practice, and nothing to reverse.
  if (subject.token) return `token:${sha256Hex(subject.token).slice(0, 32)}`;
  // The last entry is the one the proxy in front appended; earlier ones are whatever the client claimed.
  const forwarded = trustProxy ? subject.forwardedFor?.split(',').at(-1)?.trim() : undefined;
  return `address:${forwarded || subject.remoteAddress || 'unknown'}`;
}
