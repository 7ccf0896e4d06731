/**
 * The dashboard's WebSocket retry policy (dashboard/src/reconnect-policy.ts): a refused connection,
 * which a browser reports as a plain `Event` without a close code, is retried like a close; the waits
 * grow from under a second to a cap, and all the retries in a row last minutes, not seconds.
 * test/browser/dashboard-reconnect.spec.ts drives the same policy through a real gateway restart.
 */
import { describe, expect, it } from 'vitest';
import { RETRY_ATTEMPTS, retryDelayMs, shouldRetry } from '../../dashboard/src/reconnect-policy.js';

const total = (random: () => number) =>
  Array.from({ length: RETRY_ATTEMPTS }, (_, retries) => retryDelayMs(retries, random)).reduce((a, b) => a + b, 0);

describe('dashboard reconnect policy', () => {
  it('retries a refused connection (a plain Event) and a close alike', () => {
    expect(shouldRetry(new Event('error'))).toBe(true);
    expect(shouldRetry({ code: 1001, reason: 'Going away', wasClean: true })).toBe(true);
    expect(shouldRetry({ code: 1006, reason: '', wasClean: false })).toBe(true);
  });

  it('waits under a second first, then longer, never more than 12.5 s', () => {
    expect(retryDelayMs(0, () => 1)).toBeLessThan(1_000);
    for (let retries = 1; retries < RETRY_ATTEMPTS; retries++) {
      expect(retryDelayMs(retries, () => 0.5)).toBeGreaterThanOrEqual(retryDelayMs(retries - 1, () => 0.5));
      expect(retryDelayMs(retries, () => 1)).toBeLessThanOrEqual(12_500);
    }
  });

  it('keeps trying for minutes in all, however the jitter falls', () => {
    expect(total(() => 0)).toBeGreaterThanOrEqual(3 * 60_000);
    expect(total(() => 1)).toBeLessThanOrEqual(10 * 60_000);
  });
});
