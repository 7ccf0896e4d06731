/**
 * The deliveries as their owner sees them: paged newest first (by insertion sequence, behind an
 * opaque cursor), each delivery's attempts, and a redelivery (refused while it cannot be sent). Each query joins the endpoint and names
 * the owner, so a delivery id of another owner answers nothing.
 */
import { deliveryInFlight, endpointNotSending, endpointUrlRefused } from '../errors.js';
import type { DeliveryPage, StoredAttempt, StoredDelivery, WebhookOwner } from '../webhook-store.js';
import { decodeDeliveryCursor, encodeDeliveryCursor } from './delivery-cursor.js';
import { toAttempt, toDelivery } from './rows.js';
import { ownerFields, type StoreContext } from './store-context.js';

export async function listDeliveries(
  ctx: StoreContext,
  owner: WebhookOwner,
  endpointId: string,
  first: number,
  after: string | null,
): Promise<DeliveryPage> {
  const size = Math.max(1, Math.floor(first));
  let query = ctx.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .selectAll('d')
    .where('d.endpoint_id', '=', endpointId)
    .where('e.provider', '=', owner.provider)
    .where('e.owner_key', '=', owner.ownerKey)
    .orderBy('d.seq', 'desc')
    .limit(size + 1);
  if (after !== null) query = query.where('d.seq', '<', decodeDeliveryCursor(after));
  const rows = await query.execute();
  const page = rows.slice(0, size);
  const last = page.at(-1);
  return {
    deliveries: page.map(toDelivery),
    cursors: page.map((row) => encodeDeliveryCursor(row.seq)),
    endCursor: rows.length > size && last ? encodeDeliveryCursor(last.seq) : null,
  };
}

export async function attempts(ctx: StoreContext, owner: WebhookOwner, deliveryId: string): Promise<StoredAttempt[]> {
  const rows = await ctx.db
    .selectFrom('webhook_attempts as a')
    .innerJoin('webhook_deliveries as d', 'd.id', 'a.delivery_id')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .selectAll('a')
    .where('a.delivery_id', '=', deliveryId)
    .where('e.provider', '=', owner.provider)
    .where('e.owner_key', '=', owner.ownerKey)
    .orderBy('a.number')
    .execute();
  return rows.map(toAttempt);
}

/**
 * Pending again and due now, in one transaction that locks the delivery first (a claim skips it
 * meanwhile). Refused, with a coded CONFLICT, while an attempt at it is in flight (a lease in force:
 * its outcome, recorded when it ends, would overwrite the redelivery, so the resend would silently
 * never happen), and while its endpoint sends nothing (switched off, or DISABLED by a 410, or a URL
 * that `urlRefusal` says the URL policy refuses: the delivery would wait there, or fail unsent).
 */
export async function redeliver(
  ctx: StoreContext,
  owner: WebhookOwner,
  deliveryId: string,
  now: Date,
  urlRefusal?: (url: string) => string | null,
): Promise<StoredDelivery | null> {
  const row = await ctx.db.transaction().execute(async (tx) => {
    const found = await tx
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select(['d.state', 'd.lease_expires_at', 'e.enabled', 'e.state as endpoint_state', 'e.url'])
      .where('d.id', '=', deliveryId)
      .where('e.provider', '=', owner.provider)
      .where('e.owner_key', '=', owner.ownerKey)
      .forUpdate('d')
      .executeTakeFirst();
    if (!found) return undefined;
    if (!found.enabled) throw endpointNotSending(deliveryId, 'switched-off');
    if (found.endpoint_state === 'disabled') throw endpointNotSending(deliveryId, 'disabled');
    const refused = urlRefusal?.(found.url) ?? null;
    if (refused !== null) throw endpointUrlRefused(deliveryId, refused);
    if (found.state === 'pending' && found.lease_expires_at !== null && found.lease_expires_at > now)
      throw deliveryInFlight(deliveryId);
    // An expired lease is left as it is: its attempt ended with no outcome, and the claim that takes
    // the delivery over records it interrupted (claim-due.ts). A finished delivery has none.
    return tx
      .updateTable('webhook_deliveries')
      .set({ state: 'pending', next_attempt_at: now })
      .where('id', '=', deliveryId)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  if (row) ctx.logger.debug({ ...ownerFields(owner), deliveryId }, 'webhook delivery redelivered');
  return row ? toDelivery(row) : null;
}
