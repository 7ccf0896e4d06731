/**
 * An attempt's outcome, as the database sees it: `finishAttempt` records the attempt a claim
 * (claim-due.ts) leased, and what it does to the delivery (delivered, to be retried, failed) and to
 * its endpoint (a success ends FAILING, no retry left or a URL the policy refuses starts it, 410
 * disables it; a change of state is logged at warn), in one
 * transaction. It is fenced on the claim's lease value: an instance whose lease expired and was taken
 * over records nothing more (the claim that took over recorded the attempt interrupted).
 *
 * A delivery's attempts come in series: an attempt that ends the delivery (delivered, 410, or failed
 * with no retry left) ends its series, and `finishAttempt` records that the next series begins after
 * it (`series_start`, the attempt count then; `interrupted_attempts` back to 0). So a redelivery of a
 * finished delivery starts a new series, and the retry schedule and its give-up count only the
 * current series' attempts (`ClaimedDelivery.seriesAttempts`), not the earlier ones.
 */
import { sql, type Transaction } from 'kysely';
import type { AttemptOutcome, ClaimedDelivery } from '../webhook-store.js';
import type { StoreContext } from './store-context.js';
import type { WebhookTables } from './tables.js';

type Tx = Transaction<WebhookTables>;

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

/**
 * What the outcome does to the endpoint: a success ends FAILING, no retry left starts it, 410 disables,
 * and a URL the policy refuses starts it at once, saying so (nothing was sent: not "no response").
 */
function endpointChange(outcome: AttemptOutcome, deliveryId: string, attempts: number) {
  if (outcome.kind === 'delivered') return { from: ['failing'], state: 'active' as const, reason: null };
  if (outcome.kind === 'gone')
    return {
      from: ['active', 'failing', 'paused'],
      state: 'disabled' as const,
      reason: `The endpoint answered 410 Gone to delivery ${deliveryId}: enable it again to resume deliveries.`,
    };
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  if (outcome.refused !== undefined)
    return {
      from: ['active', 'failing'],
      state: 'failing' as const,
      reason: outcome.retryAt
        ? outcome.refused
        : `Delivery ${deliveryId} failed after ${tries}, none sent. ${outcome.refused}`,
    };
  if (outcome.retryAt) return null;
  return {
    from: ['active'],
    state: 'failing' as const,
    reason:
      `Delivery ${deliveryId} failed after ${tries} ` +
      `(${outcome.responseCode === null ? 'no response' : `HTTP ${outcome.responseCode}`}).`,
  };
}

/** The delivery has ended: its next attempts (a redelivery's) are a new series, with no interrupted attempt yet. */
async function endSeries(tx: Tx, deliveryId: string): Promise<void> {
  await sql`update webhook_deliveries set series_start = attempt_count, interrupted_attempts = 0
    where id = ${deliveryId}`.execute(tx);
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
        attempt_started_at: null,
      }))
      .where('id', '=', claim.id)
      .where('lease_value', '=', claim.lease)
      .where('state', '=', 'pending')
      .returning(['attempt_count'])
      .executeTakeFirst();
    if (!row) return { recorded: false, became: null };
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
    // The series began where the claim found it (only a fenced finish moves it).
    const seriesAttempts = row.attempt_count - (claim.attemptCount - claim.seriesAttempts);
    if (deliveryChanges(outcome).state !== 'pending') await endSeries(tx, claim.id);
    const change = endpointChange(outcome, claim.id, seriesAttempts);
    if (!change) return { recorded: true, became: null };
    const changed = await tx
      .updateTable('webhook_endpoints')
      .set({ state: change.state, state_reason: change.reason, updated_at: now })
      .where('id', '=', claim.endpointId)
      .where('state', 'in', change.from as ('active' | 'failing' | 'paused')[])
      // Not again at each refused attempt: only a change of state or reason is one.
      .where((eb) => eb.or([eb('state', '!=', change.state), eb('state_reason', 'is distinct from', change.reason)]))
      .executeTakeFirst();
    return { recorded: true, became: Number(changed.numUpdatedRows) > 0 ? change : null };
  });
  // The operator's word of an endpoint that stopped receiving (the owner reads the same reason).
  if (finished.became && finished.became.state !== 'active')
    ctx.logger.warn(
      { endpointId: claim.endpointId, deliveryId: claim.id, reason: finished.became.reason },
      `webhook endpoint is now ${finished.became.state.toUpperCase()}`,
    );
  ctx.logger.debug(
    { deliveryId: claim.id, endpointId: claim.endpointId, outcome: outcome.kind, recorded: finished.recorded },
    finished.recorded
      ? 'webhook delivery attempt recorded'
      : 'webhook delivery attempt not recorded: its lease was lost',
  );
  return finished.recorded;
}
