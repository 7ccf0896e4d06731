/**
 * The download grants' queries (download-grant-store.ts says what a grant is). A grant's id is 256
 * random bits; the row is keyed by its SHA-256, so that the id a link carries is found without being
 * stored, and its sealed columns are bound to that hash (a sealed key moved to another row does not
 * open there).
 *
 * An expired grant is kept for EXPIRED_KEPT_MS past its expiry, so that its link keeps answering 410
 * Gone ("ask for downloadUrl again") rather than 404 to every request in that time: a client retrying
 * a download, or a second tab, is told the same thing as the first request. Its sealed key and id are
 * wiped at its first expired read (nothing opens it any more). Past that horizon it is deleted as it is
 * read (then unknown: 404), and in batches of EXPIRED_BATCH at each creation: no timer, and the table
 * holds little more than the grants alive and those of the last EXPIRED_KEPT_MS.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { ProviderName } from '../../providers/provider-name.js';
import type { BearerCredentials } from '../../upstream/types.js';
import type {
  DownloadGrantKey,
  DownloadGrantLookup,
  IssuedDownloadGrant,
  NewDownloadGrant,
} from '../download-grant-store.js';
import { SealError, type Sealer } from '../seal.js';
import { sealerOf, type StoreContext } from './store-context.js';
import type { DownloadGrantsTable } from './tables.js';

/** Random bytes of a grant's id: 256 bits, 43 characters of base64url. */
const ID_BYTES = 32;
/** What a grant's id looks like; anything else is no grant, and costs no query. */
const ID_FORM = /^[A-Za-z0-9_-]{43}$/;
/** Expired grants deleted at each creation, at most (on the expiry index, oldest first). */
const EXPIRED_BATCH = 100;
/** How long an expired grant is kept, answering 410, before it is purged: a day. */
export const EXPIRED_KEPT_MS = 24 * 60 * 60 * 1000;

const hashOf = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');
const idContext = (hash: string) => `download grant ${hash} id`;
const credentialsContext = (hash: string) => `download grant ${hash} credentials`;

/** `sealed` opened, or null when it does not open under this key (sealed under another, or altered). */
function opened(sealer: Sealer, sealed: string, context: string): string | null {
  try {
    return sealer.open(sealed, context);
  } catch (error) {
    if (error instanceof SealError) return null;
    throw error;
  }
}

export async function issueDownloadGrant(
  ctx: StoreContext,
  grant: NewDownloadGrant,
  now: Date,
): Promise<IssuedDownloadGrant> {
  const sealer = sealerOf(ctx);
  const id = randomBytes(ID_BYTES).toString('base64url');
  const hash = hashOf(id);
  await ctx.db
    .deleteFrom('download_grants')
    .where('grant_hash', 'in', (eb) =>
      eb
        .selectFrom('download_grants')
        .select('grant_hash')
        .where('expires_at', '<=', new Date(now.getTime() - EXPIRED_KEPT_MS))
        .orderBy('expires_at')
        .limit(EXPIRED_BATCH),
    )
    .execute();
  await ctx.db
    .insertInto('download_grants')
    .values({
      grant_hash: hash,
      provider: grant.provider,
      owner_key: grant.ownerKey,
      job_id: grant.jobId,
      artifact: grant.artifact,
      step: grant.step,
      upstream_path: grant.upstreamPath,
      sealed_credentials: sealer.seal(JSON.stringify({ token: grant.credentials.token }), credentialsContext(hash)),
      sealed_id: sealer.seal(id, idContext(hash)),
      created_at: now,
      expires_at: grant.expiresAt,
    })
    .execute();
  return { id, expiresAt: grant.expiresAt };
}

export async function reusableDownloadGrant(
  ctx: StoreContext,
  key: DownloadGrantKey,
  until: Date,
): Promise<IssuedDownloadGrant | null> {
  if (!ctx.sealer) return null;
  const rows = await ctx.db
    .selectFrom('download_grants')
    .select(['grant_hash', 'sealed_id', 'expires_at'])
    .where('provider', '=', key.provider)
    .where('owner_key', '=', key.ownerKey)
    .where('job_id', '=', key.jobId)
    .where('artifact', '=', key.artifact)
    .where((eb) => (key.step === null ? eb('step', 'is', null) : eb('step', '=', key.step)))
    .where('expires_at', '>', until)
    .orderBy('expires_at', 'desc')
    .limit(2)
    .execute();
  for (const row of rows) {
    const id = opened(ctx.sealer, row.sealed_id, idContext(row.grant_hash));
    // A grant sealed under another key (changed at a restart) is passed over: a new one is made.
    if (id !== null && hashOf(id) === row.grant_hash) return { id, expiresAt: row.expires_at };
  }
  return null;
}

export async function openDownloadGrant(ctx: StoreContext, id: string, now: Date): Promise<DownloadGrantLookup> {
  if (!ID_FORM.test(id)) return { kind: 'unknown' };
  const hash = hashOf(id);
  const row = await ctx.db.selectFrom('download_grants').selectAll().where('grant_hash', '=', hash).executeTakeFirst();
  if (!row) return { kind: 'unknown' };
  const expiredFor = now.getTime() - row.expires_at.getTime();
  if (expiredFor >= 0 && expiredFor < EXPIRED_KEPT_MS) {
    // Kept to say 410, but nothing opens it any more: the caller's key need not wait at rest for the purge.
    if (row.sealed_credentials !== '')
      await ctx.db
        .updateTable('download_grants')
        .set({ sealed_credentials: '', sealed_id: '' })
        .where('grant_hash', '=', hash)
        .execute();
    return { kind: 'expired' };
  }
  const credentials = expiredFor >= 0 || !ctx.sealer ? null : openedCredentials(ctx.sealer, row);
  if (credentials === null) {
    await ctx.db.deleteFrom('download_grants').where('grant_hash', '=', hash).execute();
    return { kind: 'unknown' };
  }
  return {
    kind: 'valid',
    grant: { ...keyOf(row), upstreamPath: row.upstream_path, credentials, expiresAt: row.expires_at },
  };
}

function openedCredentials(sealer: Sealer, row: Selectable<DownloadGrantsTable>): BearerCredentials | null {
  const text = opened(sealer, row.sealed_credentials, credentialsContext(row.grant_hash));
  if (text === null) return null;
  return { token: (JSON.parse(text) as BearerCredentials).token };
}

function keyOf(row: Selectable<DownloadGrantsTable>): DownloadGrantKey {
  return {
    provider: row.provider as ProviderName,
    ownerKey: row.owner_key,
    jobId: row.job_id,
    artifact: row.artifact,
    step: row.step,
  };
}
