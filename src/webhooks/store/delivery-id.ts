/**
 * The id of a delivery, which is also its `webhook-id` header: derived from what the event is (the
 * endpoint, the job, the event type and the move), so that every instance that sees the same move
 * computes the same id and the database keeps one row (ON CONFLICT DO NOTHING), and a receiver can
 * drop a repeat by id.
 */
import { createHash } from 'node:crypto';
import type { JobStatus } from '../../upstream/schemas.js';
import type { WebhookEventType } from '../events.js';

export function deliveryId(
  endpointId: string,
  jobId: string,
  type: WebhookEventType,
  previous: JobStatus | null,
  status: JobStatus,
  /**
   * A move after a gap (record-job.ts: `previous` null, the statuses between not kept): the status the
   * store held before it, so that its id differs from a first sight's (null to the same status) and
   * from another gap's, and is the same on every instance that records it from the same status.
   */
  gapFrom?: JobStatus | null,
): string {
  const move = gapFrom === undefined ? [previous, status] : [previous, status, { gapFrom }];
  // JSON: no separator ambiguity whatever characters the ids hold.
  const digest = createHash('sha256')
    .update(JSON.stringify([endpointId, jobId, type, ...move]))
    .digest();
  return `msg_${digest.toString('base64url')}`;
}
