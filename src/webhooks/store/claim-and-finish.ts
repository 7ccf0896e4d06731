/**
 * Sending, as the database sees it. `claimDue` leases due deliveries to one instance: the inner
 * SELECT … FOR UPDATE SKIP LOCKED lets instances claiming at once take disjoint rows without waiting
 * on each other, and a row committed by another claim meanwhile is re-checked by PostgreSQL against
 * the lease condition, so it is not taken twice. The lease (a random value per claim, with an expiry
 * past the attempt's timeout) outlives a killed instance only until it expires; then another instance
 * claims the delivery. `finishAttempt` is fenced on the lease value: an instance whose lease expired
 * and was taken over records nothing.
 */
import { sql } from 'kysely';
import type { AttemptOutcome, ClaimedDelivery } from '../webhook-store.js';
import { toDelivery } from './rows.js';
import type { StoreContext } from './store-context.js';

export async function claimDue(
  ctx: StoreContext,
  instanceId: string,
  limit: number,
  leaseMs: number,
  now: Date,
): Promise<ClaimedDelivery[]> {
  const due = ctx.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select('d.id')
    .where('d.state', '=', 'pending')
    .where('d.next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('d.lease_expires_at', 'is', null), eb('d.lease_expires_at', '<=', now)]))
    .where('e.enabled', '=', true)
    .where('e.state', '!=', 'disabled')
    .orderBy('d.next_attempt_at')
    .orderBy('d.seq')
    .limit(limit)
    .forUpdate('d')
    .skipLocked();
  const rows = await ctx.db
    .updateTable('webhook_deliveries as d')
    .from('webhook_endpoints as e')
    .set({
      lease_owner: instanceId,
      lease_value: sql<string>`gen_random_uuid()::text`,
      lease_expires_at: new Date(now.getTime() + leaseMs),
    })
    .whereRef('e.id', '=', 'd.endpoint_id')
    .where('d.id', 'in', due)
    .returningAll('d')
    .returning('e.url')
    .execute();
  if (rows.length > 0)
    ctx.logger.debug({ instanceId, deliveries: rows.map((row) => row.id) }, 'webhook deliveries claimed');
  return rows
    .map((row) => ({ ...toDelivery(row), url: row.url, lease: row.lease_value! }))
    .sort((a, b) => (a.nextAttemptAt?.getTime() ?? 0) - (b.nextAttemptAt?.getTime() ?? 0));
}

function deliveryChanges(outcome: AttemptOutcome) {
  switch (outcome.kind) {
    case 'delivered':
      return { state: 'succeeded' as const, next_attempt_at: null, last_response_code: outcome.responseCode };
    case 'failed':
      return outcome.retryAt
        ? { state: 'pending' as const, next_attempt_at: outcome.retryAt, last_response_code: outcome.responseCode }
        : { state: 'failed' as const, next_attempt_at: null, last_response_code: outcome.responseCode };
    case 'gone':
      return { state: 'failed' as const, next_attempt_at: null, last_response_code: 410 };
  }
}

/** What the outcome does to the endpoint: a success ends FAILING, no retry left starts it, 410 disables. */
function endpointChange(outcome: AttemptOutcome, deliveryId: string, attempts: number) {
  if (outcome.kind === 'delivered') return { from: ['failing'], state: 'active' as const, reason: null };
  if (outcome.kind === 'gone')
    return {
      from: ['active', 'failing', 'paused'],
      state: 'disabled' as const,
      reason: `The endpoint answered 410 Gone to delivery ${deliveryId}: enable it again to resume deliveries.`,
    };
  if (outcome.retryAt) return null;
  return {
    from: ['active'],
    state: 'failing' as const,
    reason:
      `Delivery ${deliveryId} failed after ${attempts} attempt${attempts === 1 ? '' : 's'} ` +
      `(${outcome.responseCode === null ? 'no response' : `HTTP ${outcome.responseCode}`}).`,
  };
}

export async function finishAttempt(
  ctx: StoreContext,
  claim: ClaimedDelivery,
  outcome: AttemptOutcome,
  now: Date,
): Promise<boolean> {
  const finished = await ctx.db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        ...deliveryChanges(outcome),
        attempt_count: eb('attempt_count', '+', 1),
        lease_owner: null,
        lease_value: null,
        lease_expires_at: null,
      }))
      .where('id', '=', claim.id)
      .where('lease_value', '=', claim.lease)
      .where('state', '=', 'pending')
      .returning(['attempt_count'])
      .executeTakeFirst();
    if (!row) return false;
    await tx
      .insertInto('webhook_attempts')
      .values({
        delivery_id: claim.id,
        number: row.attempt_count,
        started_at: new Date(now.getTime() - outcome.durationMs),
        duration_ms: Math.round(outcome.durationMs),
        response_code: outcome.kind === 'gone' ? 410 : outcome.responseCode,
        error: outcome.kind === 'failed' ? outcome.error : null,
      })
      .execute();
    const change = endpointChange(outcome, claim.id, row.attempt_count);
    if (change)
      await tx
        .updateTable('webhook_endpoints')
        .set({ state: change.state, state_reason: change.reason, updated_at: now })
        .where('id', '=', claim.endpointId)
        .where('state', 'in', change.from as ('active' | 'failing' | 'paused')[])
        .execute();
    return true;
  });
  ctx.logger.debug(
    { deliveryId: claim.id, endpointId: claim.endpointId, outcome: outcome.kind, recorded: finished },
    finished ? 'webhook delivery attempt recorded' : 'webhook delivery attempt not recorded: its lease was lost',
  );
  return finished;
}
