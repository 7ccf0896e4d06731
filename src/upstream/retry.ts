/**
 * When and how long to wait before trying an idempotent call again. Pure functions: the loop that
 * sleeps, and knows the deadline and the abort signal, is `call.ts`.
 */
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Answers that say "not now" rather than "no": rate limited, or a gateway/upstream that is down or
 * overloaded. Tried again while the call's attempts last.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * A 500 is tried again once, not more: it is often a fault that passes (one bad replica, a lost
 * connection behind the service), and a read that fails on it fails the caller's whole operation
 * (an operator trial: 30 % of 500s failed 60 % of operations, which make several reads); but it may
 * also be a request the upstream cannot handle at all, and repeating that until the attempts run out
 * triples the load for nothing. One retry doubles it at most.
 */
export const RETRIED_ONCE_STATUSES: ReadonlySet<number> = new Set([500]);

export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * "Full jitter" (AWS architecture blog, "Exponential Backoff and Jitter"): a uniformly random delay
 * below the exponential ceiling. Callers that failed together spread out instead of retrying in step.
 * `retry` counts from 1 (the first retry, after the first attempt failed).
 */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` in seconds, from either form RFC 9110 allows: delta-seconds ("120") or an HTTP date
 * ("Wed, 21 Oct 2026 07:28:00 GMT"). A date in the past means "now" (0). Garbage means "not given".
 */
export function parseRetryAfter(headers: IncomingHttpHeaders, nowMs: number): number | undefined {
  const raw = headers['retry-after'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  // Every HTTP-date form starts with a day name; Date.parse alone would read "-1" as a year.
  if (!/^[A-Za-z]{3}/.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}
