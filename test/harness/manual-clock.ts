/**
 * A simulator clock that moves only when a test moves it. The simulator derives a job's state from
 * its clock (queued 0–10 % of its duration, starting 10–20 %, running 20–100 %, ten or more training
 * steps spread over the run), so a test holds a job in one state for as long as it needs, and each
 * move is one change every subscriber must see.
 */
export interface ManualClock {
  /** Pass as the simulator's `now`. */
  readonly now: () => number;
  /** Sets the clock to `fraction` of `job`'s run: 0.05 queued, 0.15 starting, 0.2–1 running, ≥ 1 completed. */
  at(job: { createdAt: Date }, fraction: number): void;
  set(ms: number): void;
}

export function manualClock(jobSeconds: number, start = Date.now()): ManualClock {
  let current = start;
  return {
    now: () => current,
    at(job, fraction) {
      current = job.createdAt.getTime() + fraction * jobSeconds * 1000;
    },
    set(ms) {
      current = ms;
    },
  };
}
