/**
 * The creation keys' queries (creation-key-store.ts says what a record is). A claim is one insert
 * that does nothing on conflict with a live record, so two requests with the same key, on any
 * instances, never both create: the one whose insert lands creates, the other reads its record.
 * Expired records are replaced when their key comes again, and deleted in batches of EXPIRED_BATCH
 * at each claim (oldest first, on the expiry index): no timer. A settle or a retake is one update
 * conditioned on the state and claim time the caller read: of two concurrent ones, the second finds
 * the row changed (PostgreSQL re-reads it once the first commits) and changes nothing.
 */
import { sql } from 'kysely';
import type { CreationClaim, CreationKey, CreationOutcome, UnsettledKey } from '../creation-key-store.js';
import type { StoreContext } from './store-context.js';

/** Expired records deleted at each claim, at most. */
const EXPIRED_BATCH = 100;

export async function claimCreationKey(
  ctx: StoreContext,
  key: CreationKey,
  inputHash: string,
  now: Date,
  expiresAt: Date,
): Promise<CreationClaim> {
  await sql`delete from creation_keys where (scope, idempotency_key) in (
    select scope, idempotency_key from creation_keys where expires_at <= ${now} order by expires_at limit ${EXPIRED_BATCH})`.execute(
    ctx.db,
  );
  // Inserted, or an expired record of the key replaced: either way this request's to create with.
  const inserted = await ctx.db
    .insertInto('creation_keys')
    .values({
      scope: key.scope,
      idempotency_key: key.key,
      provider: key.provider,
      input_hash: inputHash,
      state: 'creating',
      job_id: null,
      created_at: now,
      updated_at: now,
      expires_at: expiresAt,
    })
    .onConflict((oc) =>
      oc
        .columns(['scope', 'idempotency_key'])
        .doUpdateSet((eb) => ({
          provider: eb.ref('excluded.provider'),
          input_hash: eb.ref('excluded.input_hash'),
          state: eb.ref('excluded.state'),
          job_id: null,
          created_at: eb.ref('excluded.created_at'),
          updated_at: eb.ref('excluded.updated_at'),
          expires_at: eb.ref('excluded.expires_at'),
        }))
        .where('creation_keys.expires_at', '<=', now),
    )
    .returning('scope')
    .executeTakeFirst();
  if (inserted) return { kind: 'claimed' };
  const row = await ctx.db
    .selectFrom('creation_keys')
    .select(['input_hash', 'state', 'job_id', 'created_at', 'updated_at'])
    .where('scope', '=', key.scope)
    .where('idempotency_key', '=', key.key)
    .executeTakeFirst();
  // Deleted meanwhile (its creation refused): the next claim tries again.
  if (!row) return { kind: 'creating', since: now };
  if (row.input_hash !== inputHash) return { kind: 'other-input' };
  if (row.state === 'created' && row.job_id !== null) return { kind: 'created', jobId: row.job_id };
  if (row.state === 'unknown') return { kind: 'unknown', since: row.created_at, endedAt: row.updated_at };
  return { kind: 'creating', since: row.created_at };
}

export async function finishCreationKey(
  ctx: StoreContext,
  key: CreationKey,
  outcome: CreationOutcome,
  now: Date,
): Promise<void> {
  if (outcome.kind === 'refused') {
    await ctx.db
      .deleteFrom('creation_keys')
      .where('scope', '=', key.scope)
      .where('idempotency_key', '=', key.key)
      .where('state', '=', 'creating')
      .execute();
    return;
  }
  await ctx.db
    .updateTable('creation_keys')
    .set(
      outcome.kind === 'created'
        ? { state: 'created', job_id: outcome.jobId, updated_at: now }
        : { state: 'unknown', updated_at: now },
    )
    .where('scope', '=', key.scope)
    .where('idempotency_key', '=', key.key)
    .where('state', '=', 'creating')
    .execute();
}

/** The record of `key`, if still as `seen` and live at `now`, moved to `to`; whether it was. */
async function moveUnsettled(
  ctx: StoreContext,
  key: CreationKey,
  seen: UnsettledKey,
  now: Date,
  to: { state: 'created'; job_id: string } | { state: 'creating'; job_id: null; created_at: Date; expires_at: Date },
): Promise<boolean> {
  const moved = await ctx.db
    .updateTable('creation_keys')
    .set({ ...to, updated_at: now })
    .where('scope', '=', key.scope)
    .where('idempotency_key', '=', key.key)
    .where('state', '=', seen.state)
    .where('created_at', '=', seen.since)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) > 0;
}

export function settleCreationKey(
  ctx: StoreContext,
  key: CreationKey,
  seen: UnsettledKey,
  jobId: string,
  now: Date,
): Promise<boolean> {
  return moveUnsettled(ctx, key, seen, now, { state: 'created', job_id: jobId });
}

export function retakeCreationKey(
  ctx: StoreContext,
  key: CreationKey,
  seen: UnsettledKey,
  now: Date,
  expiresAt: Date,
): Promise<boolean> {
  return moveUnsettled(ctx, key, seen, now, {
    state: 'creating',
    job_id: null,
    created_at: now,
    expires_at: expiresAt,
  });
}

export async function jobsOfOtherKeys(
  ctx: StoreContext,
  key: CreationKey,
  jobIds: readonly string[],
): Promise<string[]> {
  if (jobIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom('creation_keys')
    .select('job_id')
    .where('scope', '=', key.scope)
    .where('idempotency_key', '<>', key.key)
    .where('state', '=', 'created')
    .where('job_id', 'in', [...jobIds])
    .execute();
  return rows.map((row) => row.job_id).filter((id): id is string => id !== null);
}
