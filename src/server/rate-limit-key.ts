/**
 * Whose quota an operation spends: a caller with a token of its own is one caller wherever it comes
 * from, keyed by a hash of the token (the token itself is never stored, in memory or in Redis);
 * callers on the gateway's default credentials (no token) are told apart by client address.
 */
import { sha256Hex } from './sha256-hex.js';

export interface RateLimitSubject {
  /** The raw `Authorization` value (or the WebSocket's `connectionParams.authorization`). */
  authorization?: string | null | undefined;
  /** The client's address as the gateway saw it (the TCP peer). */
  remoteAddress?: string | null | undefined;
  /** `X-Forwarded-For`, used only when the operator trusts the proxy in front (RATE_LIMIT_TRUST_PROXY). */
  forwardedFor?: string | null | undefined;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export function rateLimitKey(subject: RateLimitSubject, trustProxy: boolean): string {
  const token = subject.authorization ? BEARER.exec(subject.authorization.trim())?.[1] : undefined;
  // 128 bits of the hash: no collisions between callers in practice, and nothing to reverse.
  if (token) return `token:${sha256Hex(token).slice(0, 32)}`;
  // The last entry is the one the proxy in front appended; earlier ones are whatever the client claimed.
  const forwarded = trustProxy ? subject.forwardedFor?.split(',').at(-1)?.trim() : undefined;
  return `address:${forwarded || subject.remoteAddress || 'unknown'}`;
}
