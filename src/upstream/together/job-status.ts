/**
 * Together's status walk onto the gateway's `JobStatus` (the Nscale client's vocabulary), so that
 * resolvers, filters and live updates treat both providers alike. The raw status stays on the job
 * (`upstreamStatus`, which the API shows as `Job.providerStatus`) for what the gateway's set cannot say.
 *
 * - `pending` (accepted, not yet scheduled) and `queued` (waiting for GPUs) → `queued`: nothing runs yet.
 * - `running`, and `compressing` / `uploading` (training done, the weights being packed and stored)
 *   → `running`: the job has not ended and its output cannot be downloaded yet.
 * - `cancel_requested` → `running`, not `cancelled`: on Together it has not ended (it cannot be
 *   deleted yet, its charge is not settled, steps may still land), and a live update that saw
 *   `cancelled` would stop polling before the real end. `upstreamStatus` tells the two apart.
 * - `completed` → `completed`, `cancelled` → `cancelled`, `error` → `failed`.
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

const GATEWAY_STATUS: Readonly<Record<TogetherStatus, JobStatus>> = {
  pending: 'queued',
  queued: 'queued',
  running: 'running',
  compressing: 'running',
  uploading: 'running',
  cancel_requested: 'running',
  cancelled: 'cancelled',
  error: 'failed',
  completed: 'completed',
};

export function gatewayStatus(status: TogetherStatus): JobStatus {
  return GATEWAY_STATUS[status];
}

/** Together's statuses behind one gateway status: what a `status` filter on the unpaged list keeps. */
export function togetherStatusesOf(status: JobStatus): TogetherStatus[] {
  return TOGETHER_STATUSES.filter((s) => GATEWAY_STATUS[s] === status);
}

/** Ended on Together: a job may be deleted then, and its charge is settled. */
export const TOGETHER_TERMINAL: ReadonlySet<TogetherStatus> = new Set(['completed', 'cancelled', 'error']);
