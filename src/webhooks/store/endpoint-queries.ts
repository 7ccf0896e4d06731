/**
 * The webhook store's endpoint queries: create (within the owner's limit, with its job baseline),
 * read, update, rotate, delete, and what the watcher and the sender read. Every caller-facing query
 * names the owner in its WHERE clause, so one owner's id never reaches another's row.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Updateable } from 'kysely';
import { endpointLimitReached } from '../errors.js';
import type { EndpointPatch, EndpointSecrets, NewEndpoint, StoredEndpoint, WebhookOwner } from '../webhook-store.js';
import { assertKeyInForce } from './key-check.js';
import { openCredentials, openSecrets, previousInForce, sealCredentials, secretContext, toEndpoint } from './rows.js';
import { ownerFields, sealerOf, type StoreContext } from './store-context.js';
import type { EndpointsTable } from './tables.js';

/** Baseline rows per INSERT: 4 parameters each, far below PostgreSQL's 65,535. */
const BASELINE_CHUNK = 1_000;

export async function createEndpoint(
  ctx: StoreContext,
  input: NewEndpoint,
  limit: number,
  now: Date,
): Promise<StoredEndpoint> {
  const sealer = sealerOf(ctx);
  const id = randomUUID();
  const row = await ctx.db.transaction().execute(async (tx) => {
    await assertKeyInForce(tx, sealer);
    // One creation at a time per owner, so that two at once cannot both pass the limit.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`webhook owner ${input.provider} ${input.ownerKey}`}, 0))`.execute(
      tx,
    );
    const { count } = await tx
      .selectFrom('webhook_endpoints')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('provider', '=', input.provider)
      .where('owner_key', '=', input.ownerKey)
      .executeTakeFirstOrThrow();
    if (Number(count) >= limit) throw endpointLimitReached(limit);
    const created = await tx
      .insertInto('webhook_endpoints')
      .values({
        id,
        provider: input.provider,
        owner_key: input.ownerKey,
        url: input.url,
        events: [...input.events],
        description: input.description,
        enabled: true,
        state: 'active',
        state_reason: null,
        sealed_secret: sealer.seal(input.signingSecret, secretContext(id)),
        sealed_previous_secret: null,
        previous_secret_expires_at: null,
        previous_secrets: '[]',
        sealed_credentials: sealCredentials(sealer, id, input.credentials),
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    for (let start = 0; start < input.baseline.length; start += BASELINE_CHUNK) {
      const chunk = input.baseline.slice(start, start + BASELINE_CHUNK);
      await tx
        .insertInto('webhook_job_statuses')
        .values(chunk.map((job) => ({ endpoint_id: id, job_id: job.jobId, status: job.status, updated_at: now })))
        .onConflict((conflict) => conflict.columns(['endpoint_id', 'job_id']).doNothing())
        .execute();
    }
    return created;
  });
  ctx.logger.debug(
    { ...ownerFields(input), endpointId: id, baselineJobs: input.baseline.length },
    'webhook endpoint created',
  );
  return toEndpoint(row);
}

export async function listEndpoints(ctx: StoreContext, owner: WebhookOwner): Promise<StoredEndpoint[]> {
  const rows = await ctx.db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('provider', '=', owner.provider)
    .where('owner_key', '=', owner.ownerKey)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toEndpoint);
}

export async function getEndpoint(ctx: StoreContext, owner: WebhookOwner, id: string): Promise<StoredEndpoint | null> {
  const row = await ctx.db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('provider', '=', owner.provider)
    .where('owner_key', '=', owner.ownerKey)
    .executeTakeFirst();
  return row ? toEndpoint(row) : null;
}

function changesOf(ctx: StoreContext, id: string, patch: EndpointPatch, now: Date): Updateable<EndpointsTable> {
  const set: Updateable<EndpointsTable> = { updated_at: now };
  if (patch.url !== undefined) set.url = patch.url;
  if (patch.events !== undefined) set.events = [...patch.events];
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.enabled !== undefined) set.enabled = patch.enabled;
  if (patch.credentials !== undefined) set.sealed_credentials = sealCredentials(sealerOf(ctx), id, patch.credentials);
  // Turning the endpoint on, or storing credentials the upstream accepts now, is the owner's answer
  // to PAUSED, FAILING and DISABLED alike: deliver again.
  if (patch.enabled === true || patch.credentials !== undefined) {
    set.state = 'active';
    set.state_reason = null;
  }
  return set;
}

export async function updateEndpoint(
  ctx: StoreContext,
  owner: WebhookOwner,
  id: string,
  patch: EndpointPatch,
  now: Date,
): Promise<StoredEndpoint | null> {
  const row = await ctx.db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('webhook_endpoints')
      .set(changesOf(ctx, id, patch, now))
      .where('id', '=', id)
      .where('provider', '=', owner.provider)
      .where('owner_key', '=', owner.ownerKey)
      .returningAll()
      .executeTakeFirst();
    // A new URL: the deliveries waiting for a retry (those the old URL failed, or the URL policy
    // refused) are due at once. Each claim reads the endpoint's URL, so every later attempt uses it;
    // an attempt in flight (a lease in force) keeps its schedule.
    if (updated && patch.url !== undefined)
      await tx
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: now })
        .where('endpoint_id', '=', id)
        .where('state', '=', 'pending')
        .where('next_attempt_at', '>', now)
        .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
        .execute();
    return updated;
  });
  if (row)
    ctx.logger.debug({ ...ownerFields(owner), endpointId: id, fields: Object.keys(patch) }, 'webhook endpoint updated');
  return row ? toEndpoint(row) : null;
}

/**
 * Secrets rotated away that still sign beside the current one, at most: a receiver mid-switch holds
 * one of them, and each adds a signature to every delivery. A rotation beyond them ends the oldest's
 * grace at once.
 */
const MAX_PREVIOUS_SECRETS = 3;

export async function rotateSecret(
  ctx: StoreContext,
  owner: WebhookOwner,
  id: string,
  signingSecret: string,
  graceMs: number,
  now: Date,
): Promise<StoredEndpoint | null> {
  const sealed = sealerOf(ctx).seal(signingSecret, secretContext(id));
  const expiresAt = new Date(now.getTime() + graceMs);
  const row = await ctx.db.transaction().execute(async (tx) => {
    // Locked: two rotations at once each keep the other's secret among the previous ones.
    const current = await tx
      .selectFrom('webhook_endpoints')
      .select(['id', 'sealed_secret', 'sealed_previous_secret', 'previous_secret_expires_at', 'previous_secrets'])
      .where('id', '=', id)
      .where('provider', '=', owner.provider)
      .where('owner_key', '=', owner.ownerKey)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!current) return undefined;
    // The current sealed secret becomes the newest previous one as it is (same endpoint, same context).
    const previous = [
      { sealed: current.sealed_secret, expiresAtMs: expiresAt.getTime() },
      ...previousInForce(current, now),
    ].slice(0, MAX_PREVIOUS_SECRETS);
    return tx
      .updateTable('webhook_endpoints')
      .set({
        sealed_secret: sealed,
        previous_secrets: JSON.stringify(previous),
        sealed_previous_secret: current.sealed_secret,
        previous_secret_expires_at: expiresAt,
        updated_at: now,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  if (row)
    ctx.logger.debug(
      { ...ownerFields(owner), endpointId: id, graceMs, previousSecrets: row.previous_secrets.length },
      'webhook signing secret rotated',
    );
  return row ? toEndpoint(row) : null;
}

export async function deleteEndpoint(ctx: StoreContext, owner: WebhookOwner, id: string): Promise<boolean> {
  const result = await ctx.db
    .deleteFrom('webhook_endpoints')
    .where('id', '=', id)
    .where('provider', '=', owner.provider)
    .where('owner_key', '=', owner.ownerKey)
    .executeTakeFirst();
  const deleted = Number(result.numDeletedRows) > 0;
  if (deleted) ctx.logger.debug({ ...ownerFields(owner), endpointId: id }, 'webhook endpoint deleted');
  return deleted;
}

export async function watchedEndpoints(ctx: StoreContext, now: Date): Promise<(StoredEndpoint & EndpointSecrets)[]> {
  const rows = await ctx.db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('enabled', '=', true)
    .where('state', 'not in', ['paused', 'disabled'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  if (rows.length === 0) return [];
  const sealer = sealerOf(ctx);
  return rows.map((row) => ({
    ...toEndpoint(row),
    signingSecrets: openSecrets(sealer, row, now),
    credentials: openCredentials(sealer, row),
  }));
}

export async function signingSecrets(ctx: StoreContext, endpointId: string, now: Date): Promise<string[] | null> {
  const row = await ctx.db
    .selectFrom('webhook_endpoints')
    .select(['id', 'sealed_secret', 'sealed_previous_secret', 'previous_secret_expires_at', 'previous_secrets'])
    .where('id', '=', endpointId)
    .executeTakeFirst();
  return row ? openSecrets(sealerOf(ctx), row, now) : null;
}

export async function pauseEndpoint(ctx: StoreContext, endpointId: string, reason: string, now: Date): Promise<void> {
  await ctx.db
    .updateTable('webhook_endpoints')
    .set({ state: 'paused', state_reason: reason, updated_at: now })
    .where('id', '=', endpointId)
    .where('state', '!=', 'disabled')
    .execute();
  // Not the reason: it quotes the upstream's answer, which is the watcher's to log.
  ctx.logger.debug({ endpointId }, 'webhook endpoint paused');
}

export async function endpointUrls(ctx: StoreContext): Promise<{ id: string; url: string }[]> {
  return ctx.db.selectFrom('webhook_endpoints').select(['id', 'url']).orderBy('created_at').orderBy('id').execute();
}

export async function endpointCount(ctx: StoreContext): Promise<number> {
  const { count } = await ctx.db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(count);
}
