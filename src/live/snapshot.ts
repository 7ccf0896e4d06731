/**
 * What a subscriber sees of a job, and the two rules every instance applies identically to it: the
 * version (a fingerprint of the content, so that two instances polling the same upstream state
 * compute the same version and their subscribers can drop the duplicate) and the progress order
 * (so that a late or replayed event never moves a subscriber backwards).
 */
import { createHash } from 'node:crypto';
import { TERMINAL_STATUSES } from '../contract/hyperparameters.js';
import type { Job, JobStatus, Metrics } from '../upstream/schemas.js';

export interface JobSnapshot {
  job: Job;
  /**
   * The job's metrics: fetched while the job runs and once on its move to a terminal status (so the
   * terminal snapshot holds the final points); null while queued or starting, and in `jobsUpdated`.
   */
  metrics: Metrics | null;
  /** Fingerprint of `job` and `metrics`: equal versions mean equal content, on any instance. */
  version: string;
}

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function makeSnapshot(job: Job, metrics: Metrics | null): JobSnapshot {
  // JSON.stringify is deterministic here: the zod transforms build every object with a fixed key
  // order, and Dates serialize as ISO strings, so the same upstream answer hashes the same anywhere.
  // All of the job counts, the provider's own status word behind the gateway's included (Together's
  // `running`, then `compressing`, both RUNNING): the API shows it (`Job.providerStatus`), so a move of
  // it alone is a change. A subscriber that does not select it is not sent that event unchanged: a
  // result equal to the one sent before it is dropped per subscriber (src/server/use-changed-events-only.ts).
  const version = createHash('sha256')
    .update(JSON.stringify([job, metrics]))
    .digest('base64url')
    .slice(0, 22);
  return { job, metrics, version };
}

const STATUS_RANK: Record<JobStatus, number> = {
  queued: 0,
  starting: 1,
  running: 2,
  completed: 3,
  failed: 3,
  cancelled: 3,
};

/** Order of the lifecycle: queued, starting, running, then the terminal statuses, all equal. */
export function statusRank(status: JobStatus): number {
  return STATUS_RANK[status];
}

/**
 * Negative when `a` is behind `b`: an earlier status, or the same status with fewer metric points.
 * A job only moves forward, so a snapshot behind the last one delivered is stale (a slow upstream
 * replica, or a message from an instance that lost its lease) and is dropped.
 */
export function compareProgress(a: JobSnapshot, b: JobSnapshot): number {
  const byStatus = STATUS_RANK[a.job.status] - STATUS_RANK[b.job.status];
  if (byStatus !== 0) return byStatus;
  return (a.metrics?.points.length ?? 0) - (b.metrics?.points.length ?? 0);
}

/** Whether `next` should replace `last` for a subscriber: new content, not behind. */
export function supersedes(next: JobSnapshot, last: JobSnapshot | undefined): boolean {
  if (last === undefined) return true;
  if (isTerminal(last.job.status)) return false;
  return next.version !== last.version && compareProgress(next, last) >= 0;
}
