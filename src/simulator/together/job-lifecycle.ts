/**
 * A fine-tune's status is derived from the clock when it is read, never advanced by timers (as in
 * the Nscale simulator): a test with a fake clock sees exactly what its clock implies. Only what the
 * clock cannot tell is stored: when a cancel was asked, and a failure decided at creation.
 *
 * The walk, as shares of the job's duration (ours): pending 5%, queued 5%, running 75% (less when
 * early stopping halts it), compressing 7.5%, uploading 7.5%, then completed. A cancel shows
 * `cancel_requested` for 2% of the duration, then `cancelled`; a failure shows `error`.
 */
import type { FinetuneResponse } from 'together-ai/resources/fine-tuning';
import type { StoredJob } from './store.js';

export type JobStatus = FinetuneResponse['status'];

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'cancelled', 'error']);

const SHARES = { pending: 0.05, queued: 0.05, running: 0.75, compressing: 0.075, uploading: 0.075 };
const CANCEL_GRACE_SHARE = 0.02;

export interface Timeline {
  queuedFrom: number;
  runningFrom: number;
  runningUntil: number;
  compressingUntil: number;
  completedAt: number;
}

export interface JobState {
  status: JobStatus;
  /** When training began, once it did. */
  startedAt: number | null;
  /** When the job reached a terminal status, once it did. */
  endedAt: number | null;
  /** Training steps done, frozen when the job stops. */
  stepsDone: number;
  /** When `stepsDone` was reached. */
  progressAt: number;
  error: string | null;
  timeline: Timeline;
}

export function timelineOf(job: StoredJob): Timeline {
  const d = job.durationMs;
  const queuedFrom = job.createdAt + d * SHARES.pending;
  const runningFrom = queuedFrom + d * SHARES.queued;
  const runningUntil = runningFrom + d * SHARES.running * (job.plan.trainedSteps / job.plan.steps);
  const compressingUntil = runningUntil + d * SHARES.compressing;
  return {
    queuedFrom,
    runningFrom,
    runningUntil,
    compressingUntil,
    completedAt: compressingUntil + d * SHARES.uploading,
  };
}

/** Steps done at `t`, spread evenly over the running phase. */
export function stepsAt(job: StoredJob, t: Timeline, at: number): number {
  const share = Math.min(1, Math.max(0, (at - t.runningFrom) / (t.runningUntil - t.runningFrom)));
  return Math.floor(share * job.plan.trainedSteps);
}

function stopped(
  job: StoredJob,
  t: Timeline,
  status: JobStatus,
  stopAt: number,
  endedAt: number | null,
  error: string | null,
): JobState {
  const startedAt = stopAt >= t.runningFrom ? t.runningFrom : null;
  return {
    status,
    startedAt,
    endedAt,
    stepsDone: stepsAt(job, t, stopAt),
    progressAt: Math.min(stopAt, t.runningUntil),
    error,
    timeline: t,
  };
}

function walking(t: Timeline, now: number): JobStatus {
  if (now < t.queuedFrom) return 'pending';
  if (now < t.runningFrom) return 'queued';
  if (now < t.runningUntil) return 'running';
  return now < t.compressingUntil ? 'compressing' : 'uploading';
}

export function jobStateAt(job: StoredJob, now: number): JobState {
  const t = timelineOf(job);
  const cancelAt = job.cancelRequestedAt;
  if (cancelAt !== null) {
    const cancelledAt = cancelAt + job.durationMs * CANCEL_GRACE_SHARE;
    return now >= cancelledAt
      ? stopped(job, t, 'cancelled', cancelAt, cancelledAt, null)
      : stopped(job, t, 'cancel_requested', cancelAt, null, null);
  }
  const failAt = job.failure === null ? Infinity : job.createdAt + job.failure.afterMs;
  if (now >= failAt) return stopped(job, t, 'error', failAt, failAt, job.failure?.message ?? null);
  if (now >= t.completedAt) return stopped(job, t, 'completed', t.completedAt, t.completedAt, null);
  return stopped(job, t, walking(t, now), now, null, null);
}

/** When and how a new job will fail, drawn from its id with probability `failureRate`, in the middle half of its run. */
export function plannedFailure(
  draw: (salt: string) => number,
  durationMs: number,
  failureRate: number,
): StoredJob['failure'] {
  if (failureRate <= 0 || draw('failure') >= failureRate) return null;
  const runningFrom = durationMs * (SHARES.pending + SHARES.queued);
  const at = 0.25 + 0.5 * draw('failure-at');
  return {
    afterMs: runningFrom + durationMs * SHARES.running * at,
    message: 'The training worker stopped unexpectedly (simulated failure); create the job again.',
  };
}
