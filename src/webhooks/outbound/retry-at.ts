/**
 * When a failed delivery is tried again: the schedule's delay for the attempt that just failed
 * (WEBHOOK_RETRY_SCHEDULE), stretched or shrunk by up to 20 % at random, so that the deliveries a
 * receiver's outage failed together do not all come back in the same second.
 */

/** ±20 %. */
const JITTER = 0.2;

/**
 * The time of the next attempt after attempt `attemptNumber` (1 for the first) failed at `now`, or
 * null when the schedule is spent (`scheduleMs` holds one delay per retry). `random` returns [0, 1).
 */
export function retryAt(
  attemptNumber: number,
  scheduleMs: readonly number[],
  now: Date,
  random: () => number = Math.random,
): Date | null {
  if (!Number.isInteger(attemptNumber) || attemptNumber < 1) {
    throw new RangeError(`retryAt: attemptNumber ${attemptNumber} is not a positive integer`);
  }
  const delay = scheduleMs[attemptNumber - 1];
  if (delay === undefined) return null;
  const factor = 1 + (random() * 2 - 1) * JITTER;
  return new Date(now.getTime() + Math.round(delay * factor));
}
