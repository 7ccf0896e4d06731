/**
 * Fixed-window counters in bounded memory: each key may spend `points` per window, its window starting
 * with its first point. At most `maxKeys` keys are held (least recently used leave first), whatever
 * the number of callers: the rate limit's memory rose from 92 to 543 MiB under requests with invented
 * tokens, one counter each. A key pushed out starts again from zero, which only ever lets a caller
 * through sooner; rate-limit keys of unproven callers are few per address (create-rate-limit.ts), so
 * what pushes keys out at that rate is a flood of addresses.
 */
import { LRUCache } from 'lru-cache';

export interface WindowCounterOptions {
  points: number;
  windowMs: number;
  maxKeys: number;
  /** @default Date.now */
  now?: () => number;
}

/** `ok` when the point was granted; else how long until the key's window ends. */
export type Spent = { ok: true } | { ok: false; msBeforeNext: number };

export interface WindowCounter {
  /** Spends one point of `key`. */
  consume(key: string): Spent;
  /** Whether `key` has points left, spending none. */
  peek(key: string): Spent;
  size(): number;
}

interface Window {
  used: number;
  endsAt: number;
}

export function createWindowCounter(options: WindowCounterOptions): WindowCounter {
  const { points, windowMs, maxKeys } = options;
  const now = options.now ?? Date.now;
  const windows = new LRUCache<string, Window>({ max: maxKeys });
  const current = (key: string, at: number): Window | undefined => {
    const window = windows.get(key);
    return window && window.endsAt > at ? window : undefined;
  };
  const verdict = (window: Window | undefined, at: number): Spent =>
    !window || window.used <= points ? { ok: true } : { ok: false, msBeforeNext: window.endsAt - at };
  return {
    consume(key) {
      const at = now();
      let window = current(key, at);
      if (!window) windows.set(key, (window = { used: 0, endsAt: at + windowMs }));
      window.used++;
      return verdict(window, at);
    },
    peek(key) {
      const at = now();
      const window = current(key, at);
      // One more point must still fit.
      return window && window.used >= points ? { ok: false, msBeforeNext: window.endsAt - at } : { ok: true };
    },
    size: () => windows.size,
  };
}
