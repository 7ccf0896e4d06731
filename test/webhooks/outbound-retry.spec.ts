/**
 * retryAt: the next attempt's time from WEBHOOK_RETRY_SCHEDULE, with ±20 % jitter, and null once the
 * schedule is spent (the delivery has failed). `random` is injected: fixed values give exact times.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retryAt } from '../../src/webhooks/outbound/retry-at.js';

const now = new Date('2026-03-01T12:00:00.000Z');
const schedule = [5_000, 30_000, 120_000];
const at = (ms: number) => new Date(now.getTime() + ms);

describe('retryAt', () => {
  it('attempt n that failed waits the schedule’s n-th delay: the middle of the jitter range is the delay itself', () => {
    expect(retryAt(1, schedule, now, () => 0.5)).toEqual(at(5_000));
    expect(retryAt(2, schedule, now, () => 0.5)).toEqual(at(30_000));
    expect(retryAt(3, schedule, now, () => 0.5)).toEqual(at(120_000));
  });

  it('the jitter spans 80 % to 120 % of the delay', () => {
    expect(retryAt(2, schedule, now, () => 0)).toEqual(at(24_000));
    expect(retryAt(2, schedule, now, () => 0.75)).toEqual(at(33_000));
    expect(retryAt(2, schedule, now, () => 0.999_999)).toEqual(at(36_000));
  });

  it('after the last delay the schedule is spent: null', () => {
    expect(retryAt(4, schedule, now, () => 0.5)).toBeNull();
    expect(retryAt(1, [], now)).toBeNull();
  });

  it('an attempt number that is not a positive integer is a programming error', () => {
    expect(() => retryAt(0, schedule, now)).toThrow('retryAt: attemptNumber 0 is not a positive integer');
    expect(() => retryAt(1.5, schedule, now)).toThrow(RangeError);
  });

  it('with Math.random, every time lies within ±20 % of the delay, and the times spread', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 86_400_000 }), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        (delays, pick) => {
          const n = (pick % delays.length) + 1;
          const delay = delays[n - 1]!;
          const wait = retryAt(n, delays, now)!.getTime() - now.getTime();
          expect(wait).toBeGreaterThanOrEqual(Math.floor(delay * 0.8));
          expect(wait).toBeLessThanOrEqual(Math.ceil(delay * 1.2));
          expect(retryAt(delays.length + 1, delays, now)).toBeNull();
        },
      ),
    );
    const waits = new Set(Array.from({ length: 50 }, () => retryAt(1, [600_000], now)!.getTime()));
    expect(waits.size).toBeGreaterThan(1);
  });
});
