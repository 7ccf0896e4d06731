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
): string {
  // JSON: no separator ambiguity whatever characters the ids hold.
  const digest = createHash('sha256')
    .update(JSON.stringify([endpointId, jobId, type, previous, status]))
    .digest();
  return `msg_${digest.toString('base64url')}`;
}
