/**
 * When to poll next. Healthy: the base interval of what is being watched (quick while a job runs,
 * slower while it waits, none once it is terminal). Failing: the base doubled per consecutive
 * failure up to `maxBackoffMs`, so an upstream in trouble is not hammered by every watched job at
 * full rate; a Retry-After longer than that wins, because the upstream said so. No jitter: the
 * Redis lease already keeps instances from polling one job together, and tests stay exact.
 */
export interface DelayInput {
  /** The healthy interval, or null when nothing more is to be polled. */
  baseMs: number | null;
  /** Consecutive failed polls; 0 when the last one succeeded. */
  failures: number;
  /** Seconds asked by the upstream's last Retry-After, if it sent one. */
  retryAfterSeconds?: number | undefined;
  maxBackoffMs: number;
}

export function nextPollDelay({ baseMs, failures, retryAfterSeconds, maxBackoffMs }: DelayInput): number | null {
  if (baseMs === null) return null;
  if (failures <= 0) return baseMs;
  // 2 ** 30 is far past any sane cap: bounding the exponent keeps the product finite.
  const backoff = Math.min(maxBackoffMs, Math.max(baseMs, baseMs * 2 ** Math.min(failures, 30)));
  const asked = retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : 0;
  return Math.max(backoff, asked);
}
