/**
 * The webhook events, and which a job's move from one status to another sends. Pure: the watcher
 * (what a poll saw) and the store (what was sent before) decide around it.
 */
import type { JobStatus } from '../upstream/schemas.js';

export const WEBHOOK_EVENTS = [
  'JOB_CREATED',
  'JOB_RUNNING',
  'JOB_COMPLETED',
  'JOB_FAILED',
  'JOB_CANCELLED',
  'JOB_STATUS_CHANGED',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

const ON_STATUS: Partial<Record<JobStatus, WebhookEventType>> = {
  running: 'JOB_RUNNING',
  completed: 'JOB_COMPLETED',
  failed: 'JOB_FAILED',
  cancelled: 'JOB_CANCELLED',
};

/**
 * The status every job is created in, on both providers (Together's `pending` and `queued` are both
 * `queued` to the gateway): a job first seen in any other has moved, unseen, since its creation.
 */
const INITIAL_STATUS: JobStatus = 'queued';

/**
 * The events a job's status move sends, in order. `previous` null: the job is new to the endpoint
 * (created after its baseline), and the status it left, if any, was not seen: JOB_CREATED; then, when
 * it is first seen past its initial status (created and moved between two polls, or while the
 * endpoint was off, paused or its database out of reach), JOB_STATUS_CHANGED, since it did move
 * (from a status not seen: the payload's `previousStatus` is null), and its status's own event when it
 * has one, so that a receiver of JOB_STATUS_CHANGED or JOB_COMPLETED alone learns of a job first seen
 * completed. A move to another status: JOB_STATUS_CHANGED and the new status's own event; so too
 * a move of a job the endpoint knew (`known`) from a status not known (after a gap: the moves between
 * were seen but not kept, webhook-store.ts `SeenJob.afterGap`), with `previous` null. No move: nothing.
 *
 * Each event of a move is one delivery whose id is derived from (endpoint, job, event, `previous`,
 * `current`) (store/delivery-id.ts): a first sight past the initial status is one move, from null, for
 * every instance that sees it, so they insert it once.
 */
export function eventsOfMove(previous: JobStatus | null, current: JobStatus, known = false): WebhookEventType[] {
  if (previous === current) return [];
  const own = ON_STATUS[current];
  const moved: WebhookEventType[] = own ? ['JOB_STATUS_CHANGED', own] : ['JOB_STATUS_CHANGED'];
  // `known` with `previous` null: a job the endpoint knew, moved after a gap (statuses seen, not kept).
  if (previous !== null || known) return moved;
  return current === INITIAL_STATUS ? ['JOB_CREATED'] : ['JOB_CREATED', ...moved];
}
