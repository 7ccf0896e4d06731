/**
 * `recordJob`: what a poll saw of a job, for one endpoint, and the deliveries its move sends, in one
 * transaction. Several instances may see the same move at once; the endpoint's status row is locked
 * (FOR UPDATE) before it is compared, so the second instance waits for the first to commit, then
 * reads the status the first wrote, sees no move and inserts nothing. The deterministic delivery id
 * with ON CONFLICT DO NOTHING is the second guard: a move seen twice is one row.
 */
import type { Transaction } from 'kysely';
import type { JobStatus } from '../../upstream/schemas.js';
import type { SeenJob, StoredDelivery, StoredEndpoint } from '../webhook-store.js';
import { deliveryId } from './delivery-id.js';
import { toDelivery } from './rows.js';
import type { StoreContext } from './store-context.js';
import type { WebhookTables } from './tables.js';

type Tx = Transaction<WebhookTables>;

const ENDED: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** `WebhookStore.unfinishedJobIds`. */
export async function unfinishedJobIds(ctx: StoreContext, endpointId: string, limit: number): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('webhook_job_statuses')
    .select('job_id')
    .where('endpoint_id', '=', endpointId)
    .where('status', 'not in', ENDED)
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => row.job_id);
}

interface Locked {
  status: JobStatus;
  updatedAt: Date;
}

async function lockedStatus(tx: Tx, endpointId: string, jobId: string): Promise<Locked | undefined> {
  const row = await tx
    .selectFrom('webhook_job_statuses')
    .select(['status', 'updated_at'])
    .where('endpoint_id', '=', endpointId)
    .where('job_id', '=', jobId)
    .forUpdate()
    .executeTakeFirst();
  return row && { status: row.status as JobStatus, updatedAt: new Date(row.updated_at) };
}

/**
 * The status before this move, with the row now locked or inserted by this transaction; `undefined`
 * when the endpoint is gone, or when the row holds a status seen after this one (`seenAt`): another
 * instance recorded a later move while this one kept this move through an outage. Recording it now
 * would send a move backwards (COMPLETED to RUNNING): it is stale, and nothing is recorded.
 */
async function previousStatus(tx: Tx, endpointId: string, job: SeenJob, now: Date) {
  const stale = (locked: Locked) => job.seenAt !== undefined && locked.updatedAt.getTime() > job.seenAt.getTime();
  const locked = await lockedStatus(tx, endpointId, job.jobId);
  if (locked !== undefined) return stale(locked) ? undefined : { previous: locked.status as JobStatus | null };
  // Key-share lock on the endpoint: it cannot be deleted under this transaction (nor is a missing one an FK error).
  const endpoint = await tx
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('id', '=', endpointId)
    .forKeyShare()
    .executeTakeFirst();
  if (!endpoint) return undefined;
  const inserted = await tx
    .insertInto('webhook_job_statuses')
    .values({ endpoint_id: endpointId, job_id: job.jobId, status: job.status, updated_at: job.seenAt ?? now })
    .onConflict((conflict) => conflict.columns(['endpoint_id', 'job_id']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { previous: null, inserted: true };
  // Another instance inserted it meanwhile (and has committed: the conflict waited for it).
  const theirs = await lockedStatus(tx, endpointId, job.jobId);
  if (theirs !== undefined && stale(theirs)) return undefined;
  return { previous: theirs?.status ?? null };
}

export async function recordJob(
  ctx: StoreContext,
  endpoint: Pick<StoredEndpoint, 'id' | 'events'>,
  job: SeenJob,
  now: Date,
): Promise<StoredDelivery[]> {
  const rows = await ctx.db.transaction().execute(async (tx) => {
    const seen = await previousStatus(tx, endpoint.id, job, now);
    if (!seen || seen.previous === job.status) return [];
    const known = !('inserted' in seen);
    if (known)
      await tx
        .updateTable('webhook_job_statuses')
        .set({ status: job.status, updated_at: job.seenAt ?? now })
        .where('endpoint_id', '=', endpoint.id)
        .where('job_id', '=', job.jobId)
        .execute();
    // After a gap, the status the job left is not known: the one stored may be several moves back.
    const gapFrom = known && job.afterGap ? seen.previous : undefined;
    const previous = gapFrom === undefined ? seen.previous : null;
    const wanted = new Set(endpoint.events);
    const events = job.bodies(previous, known).filter(({ type }) => wanted.has(type));
    if (events.length === 0) return [];
    return tx
      .insertInto('webhook_deliveries')
      .values(
        events.map(({ type, body }) => ({
          id: deliveryId(endpoint.id, job.jobId, type, previous, job.status, gapFrom),
          endpoint_id: endpoint.id,
          job_id: job.jobId,
          type,
          previous_status: previous,
          job_status: job.status,
          state: 'pending' as const,
          next_attempt_at: now,
          body,
          created_at: now,
        })),
      )
      .onConflict((conflict) => conflict.column('id').doNothing())
      .returningAll()
      .execute();
  });
  if (rows.length > 0)
    ctx.logger.debug(
      { endpointId: endpoint.id, jobId: job.jobId, status: job.status, types: rows.map((row) => row.type) },
      'webhook deliveries recorded',
    );
  return rows.map(toDelivery);
}
