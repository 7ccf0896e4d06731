/**
 * Claiming, as the database sees it. `claimDue` leases due deliveries to one instance, fairly: at most
 * `perEndpoint` attempts in flight per endpoint across the fleet (unexpired leases, whichever instance
 * holds them), at most `perOwner` of this instance's per owner, and the owners served in turns (each
 * owner's first delivery, then each one's second, …; an owner with fewer attempts in flight first),
 * oldest due first within a turn. So an owner whose endpoints never answer holds a few of an
 * instance's slots until their attempts time out, never all of them, and one endpoint's backlog
 * waits behind its own attempts, not in front of everyone else's.
 *
 * A claim is one transaction of two steps. First it locks the endpoints it may claim for (FOR NO KEY
 * UPDATE SKIP LOCKED: an instance claiming at the same moment takes other endpoints, and a job's
 * recording, which takes a key-share lock, does not wait). Then, in a snapshot taken after those
 * locks, so that another instance's claims for the same endpoints committed just before are seen,
 * it counts the attempts in flight and leases the deliveries that fit. The caps are therefore exact
 * across instances. The UPDATE re-checks each row's lease condition, so a row is never leased twice.
 *
 * The lease (a random value per claim, with an expiry past the attempt's timeout) outlives a killed
 * instance only until it expires; then another instance claims the delivery, and records in the same
 * statement the attempt the killed instance began as interrupted (no outcome), with when it began:
 * the claim writes that time with the lease, before any request is sent. The attempt's outcome is
 * recorded by finish-attempt.ts, fenced on the lease value.
 *
 * Also here: `releaseClaims`, leases given back unused, and `dueBacklog`, what is due, read as a
 * claim's first step reads it.
 */
import { sql, type Selectable, type Transaction } from 'kysely';
import type { ClaimCaps, ClaimedDelivery } from '../webhook-store.js';
import {
  interruptedAttempts,
  interruptedColumns,
  logInterrupted,
  type InterruptedColumns,
} from './interrupted-attempts.js';
import { toDelivery } from './rows.js';
import type { StoreContext } from './store-context.js';
import type { DeliveriesTable, WebhookTables } from './tables.js';

/** A cap that never binds (an int4, as PostgreSQL compares it). */
const UNCAPPED = 2_147_483_647;

type Tx = Transaction<WebhookTables>;

/** The attempt count at which the delivery's current series began (migration 2026-12-11-attempt-series). */
interface SeriesColumn {
  series_start: number;
}

/** One claim's terms. */
interface Claim {
  instanceId: string;
  now: Date;
  /** Deliveries this claim may lease at most. */
  total: number;
  perEndpoint: number;
  perOwner: number;
  leaseExpiresAt: Date;
}

/** This instance's attempts in flight, per owner. */
const busyOwners = (c: Claim) => sql`
  select e.provider, e.owner_key, count(*)::int as n
  from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
  where d.state = 'pending' and d.lease_owner = ${c.instanceId} and d.lease_expires_at > ${c.now}
  group by e.provider, e.owner_key`;

/**
 * Step 1: the endpoints with a delivery due and room for an attempt, in their owners' turns; locked.
 * Each endpoint's oldest due delivery is one probe of its due index, and the attempts in flight are
 * read on the index of leased rows (migrations/2026-12-08-fair-claims.ts): a claim costs the
 * endpoints, not the backlog.
 */
async function lockEndpoints(tx: Tx, c: Claim): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    with busy_owner as (${busyOwners(c)}),
    busy_endpoint as (
      select d.endpoint_id, count(*)::int as n from webhook_deliveries d
      where d.state = 'pending' and d.lease_expires_at > ${c.now}
      group by d.endpoint_id),
    due as (
      select e.id as endpoint_id, e.provider, e.owner_key, o.next_attempt_at as oldest
      from webhook_endpoints e
      cross join lateral (
        select d.next_attempt_at from webhook_deliveries d
        where d.endpoint_id = e.id and d.state = 'pending' and d.next_attempt_at <= ${c.now}
          and (d.lease_expires_at is null or d.lease_expires_at <= ${c.now})
        order by d.next_attempt_at, d.seq
        limit 1) o
      where e.enabled and e.state <> 'disabled'),
    turns as (
      select due.endpoint_id, due.oldest, coalesce(bo.n, 0) + row_number() over (
        partition by due.provider, due.owner_key order by due.oldest, due.endpoint_id) as turn
      from due
      left join busy_endpoint be on be.endpoint_id = due.endpoint_id
      left join busy_owner bo on bo.provider = due.provider and bo.owner_key = due.owner_key
      where coalesce(be.n, 0) < ${c.perEndpoint})
    select e.id from webhook_endpoints e
    where e.id in (
      select t.endpoint_id from turns t where t.turn <= ${c.perOwner}
      order by t.turn, t.oldest, t.endpoint_id limit ${c.total})
    for no key update of e skip locked`.execute(tx);
  return rows.map((row) => row.id);
}

/**
 * Step 2, on the endpoints step 1 locked: the attempts in flight counted again, each endpoint's due
 * deliveries in due order up to its cap, each owner's up to its cap and in turns; leased, with when
 * their attempts begin. The attempt an expired lease left unfinished is recorded, interrupted, in the
 * same statement (interrupted-attempts.ts).
 */
async function leaseDeliveries(tx: Tx, c: Claim, endpointIds: string[]) {
  const { rows } = await sql<Selectable<DeliveriesTable> & SeriesColumn & { url: string } & InterruptedColumns>`
    with busy_owner as (${busyOwners(c)}),
    busy_endpoint as (
      select d.endpoint_id, count(*)::int as n from webhook_deliveries d
      where d.endpoint_id = any(${endpointIds}::text[]) and d.state = 'pending' and d.lease_expires_at > ${c.now}
      group by d.endpoint_id),
    candidates as (
      select c.id, c.next_attempt_at, c.seq, e.provider, e.owner_key, coalesce(be.n, 0) + row_number() over (
        partition by e.id order by c.next_attempt_at, c.seq) as endpoint_slot
      from webhook_endpoints e
      left join busy_endpoint be on be.endpoint_id = e.id
      cross join lateral (
        select d.id, d.next_attempt_at, d.seq from webhook_deliveries d
        where d.endpoint_id = e.id and d.state = 'pending' and d.next_attempt_at <= ${c.now}
          and (d.lease_expires_at is null or d.lease_expires_at <= ${c.now})
        order by d.next_attempt_at, d.seq
        limit ${Math.min(c.perEndpoint, c.total)}) c
      where e.id = any(${endpointIds}::text[]) and e.enabled and e.state <> 'disabled'),
    slots as (
      select c.id, c.next_attempt_at, c.seq, coalesce(bo.n, 0) + row_number() over (
        partition by c.provider, c.owner_key order by c.endpoint_slot, c.next_attempt_at, c.seq) as owner_slot
      from candidates c
      left join busy_owner bo on bo.provider = c.provider and bo.owner_key = c.owner_key
      where c.endpoint_slot <= ${c.perEndpoint}),
    leased as (
      update webhook_deliveries as d
      set lease_owner = ${c.instanceId}, lease_value = gen_random_uuid()::text, lease_expires_at = ${c.leaseExpiresAt},
        attempt_started_at = ${c.now},
        -- A lease still set, expired, is an attempt that never ended: counted here, recorded below.
        attempt_count = d.attempt_count + (d.lease_expires_at is not null)::int,
        interrupted_attempts = d.interrupted_attempts + (d.lease_expires_at is not null)::int,
        last_response_code = case when d.lease_expires_at is null then d.last_response_code end
      from webhook_endpoints e
      where e.id = d.endpoint_id
        and d.id in (
          select s.id from slots s where s.owner_slot <= ${c.perOwner}
          order by s.owner_slot, s.next_attempt_at, s.seq limit ${c.total})
        and d.state = 'pending' and (d.lease_expires_at is null or d.lease_expires_at <= ${c.now})
      returning d.*, e.url),
    ${interruptedAttempts(c.now, c.leaseExpiresAt)}
    select l.*, ${interruptedColumns} from leased l join prior p on p.id = l.id`.execute(tx);
  return rows;
}

export async function claimDue(
  ctx: StoreContext,
  instanceId: string,
  limit: number,
  leaseMs: number,
  now: Date,
  caps?: ClaimCaps,
): Promise<ClaimedDelivery[]> {
  const claim: Claim = {
    instanceId,
    now,
    total: Math.max(0, Math.floor(limit)),
    // Without caps, none binds (in flight, an endpoint or an owner may have any number).
    perEndpoint: Math.max(1, Math.floor(caps?.perEndpoint ?? UNCAPPED)),
    perOwner: Math.max(1, Math.floor(caps?.perOwner ?? UNCAPPED)),
    leaseExpiresAt: new Date(now.getTime() + leaseMs),
  };
  if (claim.total === 0) return [];
  const rows = await ctx.db.transaction().execute(async (tx) => {
    const endpointIds = await lockEndpoints(tx, claim);
    return endpointIds.length === 0 ? [] : leaseDeliveries(tx, claim, endpointIds);
  });
  if (rows.length > 0)
    ctx.logger.debug({ instanceId, deliveries: rows.map((row) => row.id) }, 'webhook deliveries claimed');
  logInterrupted(ctx.logger, instanceId, rows);
  return rows
    .map((row) => ({
      ...toDelivery(row),
      url: row.url,
      lease: row.lease_value!,
      seriesAttempts: row.attempt_count - row.series_start,
      interruptedAttempts: row.interrupted_attempts,
      interrupted: row.interrupted,
    }))
    .sort((a, b) => (a.nextAttemptAt?.getTime() ?? 0) - (b.nextAttemptAt?.getTime() ?? 0));
}

/**
 * Leases whose attempts never began, given back (WebhookStore.releaseClaims): as if never claimed, so
 * that the next claim, on any instance, neither waits for their expiry nor takes them for attempts
 * interrupted. An interrupted attempt that their claim found and recorded stays recorded.
 */
export async function releaseClaims(
  ctx: StoreContext,
  claims: readonly Pick<ClaimedDelivery, 'id' | 'lease'>[],
): Promise<number> {
  if (claims.length === 0) return 0;
  const result = await ctx.db
    .updateTable('webhook_deliveries')
    .set({ lease_owner: null, lease_value: null, lease_expires_at: null, attempt_started_at: null })
    .where('state', '=', 'pending')
    .where((eb) => eb.or(claims.map((claim) => eb.and([eb('id', '=', claim.id), eb('lease_value', '=', claim.lease)]))))
    .executeTakeFirst();
  const released = Number(result.numUpdatedRows);
  ctx.logger.debug({ deliveries: claims.map((claim) => claim.id), released }, 'webhook delivery leases given back');
  return released;
}

/** The backlog an operator alerts on (WebhookStore.dueBacklog): read on the due index, as a claim's first step. */
export async function dueBacklog(ctx: StoreContext, now: Date): Promise<{ due: number; oldestDueAt: Date | null }> {
  const row = await ctx.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .where('d.state', '=', 'pending')
    .where('d.next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('d.lease_expires_at', 'is', null), eb('d.lease_expires_at', '<=', now)]))
    .where('e.enabled', '=', true)
    .where('e.state', '!=', 'disabled')
    .select((eb) => [eb.fn.countAll<string>().as('due'), eb.fn.min('d.next_attempt_at').as('oldest')])
    .executeTakeFirstOrThrow();
  const oldest = row.oldest as Date | string | null;
  return { due: Number(row.due), oldestDueAt: oldest === null ? null : new Date(oldest) };
}
