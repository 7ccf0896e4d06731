/**
 * A job's state is derived from the clock when it is read, never advanced by timers: a test with a
 * fake clock sees exactly the state its clock implies, and nothing runs between requests. Only
 * what the clock cannot tell is stored: a cancel (when), and a failure decided at creation.
 *
 * Phases, as shares of the job's duration: queued 10%, starting 10%, running 80%, then completed.
 * `started_at` is when the job enters `running` (training begins); `completed_at` is when it
 * reaches any terminal status (completed, failed or cancelled).
 */
import type { JobStatusWire } from '../contract/hyperparameters.js';
import { unitHash } from './ids.js';
import type { JobPlan } from './job-plan.js';
import type { JobError, StoredJob } from './store.js';

export const QUEUED_SHARE = 0.1;
export const STARTING_SHARE = 0.1;

export interface JobState {
  status: JobStatusWire;
  startedAt: number | null;
  completedAt: number | null;
  error: JobError | null;
  /** Share of the training steps done, 0–1: frozen at the terminal time. */
  progress: number;
  /** Time at which `progress` was reached. */
  progressAt: number;
  runningFrom: number;
  runningUntil: number;
}

/**
 * When and how a new job will fail, if it will. Unusable data fails it as soon as it starts running;
 * otherwise it fails with probability `failureRate`, drawn from its id (so every read agrees),
 * somewhere in the middle half of its run.
 */
export function plannedFailure(
  jobId: string,
  plan: JobPlan,
  durationMs: number,
  failureRate: number,
): StoredJob['failure'] {
  const runningFrom = durationMs * (QUEUED_SHARE + STARTING_SHARE);
  if (plan.dataProblem !== null) {
    return { afterMs: runningFrom, error: { code: 'invalid_argument', message: plan.dataProblem } };
  }
  if (failureRate <= 0 || unitHash(jobId, 'failure') >= failureRate) return null;
  const at = 0.25 + 0.5 * unitHash(jobId, 'failure-at');
  return {
    afterMs: runningFrom + (durationMs - runningFrom) * at,
    error: { code: 'internal', message: 'the training worker stopped unexpectedly (simulated failure); retry the job' },
  };
}

export function jobStateAt(job: StoredJob, now: number): JobState {
  const created = job.createdAt;
  const startingFrom = created + job.durationMs * QUEUED_SHARE;
  const runningFrom = created + job.durationMs * (QUEUED_SHARE + STARTING_SHARE);
  const runningUntil = created + job.durationMs;
  const progressOf = (t: number): number => Math.min(1, Math.max(0, (t - runningFrom) / (runningUntil - runningFrom)));
  const base = { runningFrom, runningUntil };

  // The earliest terminal event not after `now` wins. A cancel is only ever stored before the others.
  const failAt = job.failure === null ? Infinity : created + job.failure.afterMs;
  const cancelAt = job.cancelledAt ?? Infinity;
  const endAt = Math.min(failAt, cancelAt, runningUntil);
  const startedAt = (t: number): number | null => (t >= runningFrom ? runningFrom : null);

  if (now >= endAt) {
    const status: JobStatusWire = endAt === cancelAt ? 'cancelled' : endAt === failAt ? 'failed' : 'completed';
    const error = status === 'failed' ? (job.failure?.error ?? null) : null;
    return {
      ...base,
      status,
      startedAt: startedAt(endAt),
      completedAt: endAt,
      error,
      progress: progressOf(endAt),
      progressAt: endAt,
    };
  }
  const status: JobStatusWire = now >= runningFrom ? 'running' : now >= startingFrom ? 'starting' : 'queued';
  return {
    ...base,
    status,
    startedAt: startedAt(now),
    completedAt: null,
    error: null,
    progress: progressOf(now),
    progressAt: now,
  };
}
