/**
 * Time for the live-update core, as one object: what time it is (compared with tokens' `exp`, and
 * with the start of an outage) and the timers that schedule polls, lease renewals and token-expiry
 * endings. Tests pass a manual clock (test/harness/manual-clock.ts) that fires timers only when the
 * test moves it, so that "nothing happened for six intervals" is exact instead of a real-time sleep.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once, `ms` from now; returns the handle `clearTimer` takes. */
  setTimer(callback: () => void, ms: number): unknown;
  /** Cancels a timer that has not fired; a handle already fired or cleared is ignored. */
  clearTimer(handle: unknown): void;
}

/** `Date.now`, `setTimeout` and `clearTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
