/**
 * `WebhookStore.pendingBacklog`: the deliveries not yet delivered to endpoints that send (on, not
 * DISABLED), those waiting for a retry and those in flight included, and when the oldest of them was
 * recorded. The due backlog (claim-due.ts `dueBacklog`) leaves out a delivery waiting for its retry,
 * so a receiver that fails every attempt kept it near 0 while its deliveries waited for a day; this is
 * the one that grows.
 *
 * Bounded: one probe per sending endpoint of its pending index (migrations/2026-12-12-pending-age.ts),
 * oldest first, counting at most PENDING_COUNTED_PER_ENDPOINT of its rows, so a scrape costs the
 * endpoints, not the backlog (an endpoint with more pending counts as that many).
 */
import { sql } from 'kysely';
import type { PendingBacklog } from '../webhook-store.js';
import type { StoreContext } from './store-context.js';

/** Pending deliveries counted per endpoint at most: past it, the count reads this many for the endpoint. */
export const PENDING_COUNTED_PER_ENDPOINT = 10_000;

export async function pendingBacklog(ctx: StoreContext): Promise<PendingBacklog> {
  const { rows } = await sql<{ pending: number | string; oldest: Date | string | null }>`
    select coalesce(sum(p.n), 0)::int as pending, min(p.oldest) as oldest
    from webhook_endpoints e
    cross join lateral (
      select count(*)::int as n, min(d.created_at) as oldest
      from (
        select d.created_at from webhook_deliveries d
        where d.endpoint_id = e.id and d.state = 'pending'
        order by d.created_at
        limit ${PENDING_COUNTED_PER_ENDPOINT}) d) p
    where e.enabled and e.state <> 'disabled'`.execute(ctx.db);
  const row = rows[0];
  const oldest = row?.oldest ?? null;
  return { pending: Number(row?.pending ?? 0), oldestPendingAt: oldest === null ? null : new Date(oldest) };
}
