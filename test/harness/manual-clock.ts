/**
 * A clock that moves only when a test moves it, implementing the live-update core's `Clock`.
 *
 * As the simulator's `now`: the simulator derives a job's state from its clock (queued 0–10 % of its
 * duration, starting 10–20 %, running 20–100 %, ten or more training steps spread over the run), so
 * a test holds a job in one state for as long as it needs, and each move is one change every
 * subscriber must see.
 *
 * As a hub's `clock`: its timers (polls, backoff, lease renewals, token expiry) fire only in
 * `advance`, so a test can say exactly "six intervals passed and nothing was polled", with no
 * real-time sleep. `at` and `set` move the time without firing anything.
 */
import type { Clock } from '../../src/live/clock.js';

export interface ManualClock extends Clock {
  /** Sets the clock to `fraction` of `job`'s run: 0.05 queued, 0.15 starting, 0.2–1 running, ≥ 1 completed. */
  at(job: { createdAt: Date }, fraction: number): void;
  set(ms: number): void;
  /** Moves the time `ms` forward, firing in order every timer due by then (timers set meanwhile included). */
  advance(ms: number): void;
  /** Timers set and neither fired nor cleared. */
  pendingTimers(): number;
}

interface Timer {
  due: number;
  seq: number;
  callback: () => void;
}

export function manualClock(jobSeconds: number, start = Date.now()): ManualClock {
  let current = start;
  let seq = 0;
  const timers = new Set<Timer>();
  return {
    now: () => current,
    at(job, fraction) {
      current = job.createdAt.getTime() + fraction * jobSeconds * 1000;
    },
    set(ms) {
      current = ms;
    },
    setTimer(callback, ms) {
      const timer: Timer = { due: current + Math.max(0, ms), seq: seq++, callback };
      timers.add(timer);
      return timer;
    },
    clearTimer(handle) {
      timers.delete(handle as Timer);
    },
    advance(ms) {
      const until = current + ms;
      for (;;) {
        const next = [...timers].filter((t) => t.due <= until).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
        if (!next) break;
        timers.delete(next);
        current = Math.max(current, next.due);
        next.callback();
      }
      current = until;
    },
    pendingTimers: () => timers.size,
  };
}
