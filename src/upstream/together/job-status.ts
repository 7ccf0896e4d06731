/**
 * Together's status walk onto the gateway's `JobStatus` (the Nscale client's vocabulary), so that
 * resolvers, filters and live updates treat both providers alike. The raw status stays on the job
 * (`upstreamStatus`, which the API shows as `Job.providerStatus`) for what the gateway's set cannot say.
 *
 * - `pending` (accepted, not yet scheduled) and `queued` (waiting for GPUs) → `queued`: nothing runs yet.
 * - `running`, and `compressing` / `uploading` (training done, the weights being packed and stored)
 *   → `running`: the job has not ended and its output cannot be downloaded yet.
 * - `cancel_requested` → not `cancelled`: on Together it has not ended (it cannot be deleted yet, its
 *   charge is not settled, steps may still land), and a live update that saw `cancelled` would stop
 *   polling before the real end. It stays where the job was when the cancel was asked: `running` for
 *   a job whose training had started, `queued` for one that never started (a pending or queued job
 *   cancelled), so that no one is told of a start that never happened (a webhook's `JOB_RUNNING`, a
 *   `jobUpdated` RUNNING). `upstreamStatus` tells it apart from the status it keeps.
 * - `completed` → `completed`, `cancelled` → `cancelled`, `error` → `failed`.
 *
 * Whether the training started is the job's to say (`trainingStarted`): its `started_at`, the field
 * `Job.startedAt` shows (the SDK types it on every form of the job, the list's too; the simulator sets
 * it when training begins), so that a RUNNING `cancel_requested` job has a `startedAt`; else the events
 * of a full read (a `job_start` or `training_start`, or a step or a total of steps past 0).
 *
 * The list is closed, as the SDK's type is: a status Together adds fails the read at the boundary
 * (test/upstream/together/wire-types.spec.ts compares it with the SDK's union).
 */
import { z } from 'zod';
import type { JobStatus } from '../schemas.js';

export const TOGETHER_STATUSES = [
  'pending',
  'queued',
  'running',
  'compressing',
  'uploading',
  'cancel_requested',
  'cancelled',
  'error',
  'completed',
] as const;
export const togetherStatusSchema = z.enum(TOGETHER_STATUSES);
export type TogetherStatus = z.output<typeof togetherStatusSchema>;

/** Every status but `cancel_requested`, whose gateway status depends on whether the training started. */
const GATEWAY_STATUS: Readonly<Record<Exclude<TogetherStatus, 'cancel_requested'>, JobStatus>> = {
  pending: 'queued',
  queued: 'queued',
  running: 'running',
  compressing: 'running',
  uploading: 'running',
  cancelled: 'cancelled',
  error: 'failed',
  completed: 'completed',
};

/** The gateway's status of a job in `status` whose training has (`started`) or has not begun. */
export function gatewayStatus(status: TogetherStatus, started: boolean): JobStatus {
  if (status === 'cancel_requested') return started ? 'running' : 'queued';
  return GATEWAY_STATUS[status];
}

/** The gateway statuses `status` may give: one, or two for `cancel_requested` (not started, then started). */
export function gatewayStatusesOf(status: TogetherStatus): JobStatus[] {
  return [...new Set([gatewayStatus(status, false), gatewayStatus(status, true)])];
}

/** The gateway statuses a Together job can have, in the order of `JobStatus` (every one but STARTING). */
export const TOGETHER_GATEWAY_STATUSES: readonly JobStatus[] = (() => {
  const given = new Set(TOGETHER_STATUSES.flatMap(gatewayStatusesOf));
  return (['queued', 'starting', 'running', 'completed', 'failed', 'cancelled'] as const).filter((s) => given.has(s));
})();

/** What a job's events say of its training: the SDK's `FinetuneEvent` fields read here. */
interface StartSign {
  type: string;
  step?: number | undefined;
  total_steps?: number | undefined;
}

const START_EVENTS: ReadonlySet<string> = new Set(['job_start', 'training_start']);

/**
 * Whether the job's training has begun: it has a `started_at`, or (a full read) an event says so. The
 * list and the answers to create and cancel carry no events: `started_at` alone tells there.
 */
export function trainingStarted(job: {
  started_at?: Date | undefined;
  events?: readonly StartSign[] | undefined;
}): boolean {
  if (job.started_at !== undefined) return true;
  return (job.events ?? []).some((e) => START_EVENTS.has(e.type) || (e.step ?? 0) > 0 || (e.total_steps ?? 0) > 0);
}

/** Ended on Together: a job may be deleted then, and its charge is settled. */
export const TOGETHER_TERMINAL: ReadonlySet<TogetherStatus> = new Set(['completed', 'cancelled', 'error']);
