/**
 * Whether the key in force is the one the stored secrets were sealed with. One row holds a constant
 * sealed under the key that sealed the stored endpoints; a key that does not open it (or does not
 * open a stored endpoint's secret) while endpoints are stored is the wrong key, and the caller says
 * so at start instead of failing later on every delivery. While no endpoint is stored the key may
 * change: the row is sealed again under the new one.
 */
import type { Kysely, Transaction } from 'kysely';
import { encryptionKeyMismatch } from '../errors.js';
import { SealError, type Sealer } from '../seal.js';
import { secretContext } from './rows.js';
import type { WebhookTables } from './tables.js';

const CHECK_TEXT = 'fine-tuning gateway: webhook key check';
const CHECK_CONTEXT = 'webhook key check';

function opens(sealer: Sealer, sealed: string, context: string, expected?: string): boolean {
  try {
    const text = sealer.open(sealed, context);
    return expected === undefined || text === expected;
  } catch (error) {
    if (error instanceof SealError) return false;
    throw error;
  }
}

async function sampleOpens(tx: Transaction<WebhookTables>, sealer: Sealer): Promise<boolean | null> {
  const sample = await tx
    .selectFrom('webhook_endpoints')
    .select(['id', 'sealed_secret'])
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return sample ? opens(sealer, sample.sealed_secret, secretContext(sample.id)) : null;
}

/** At open: 'mismatch' when endpoints are stored that this key does not open; otherwise records the key. */
export async function checkKey(db: Kysely<WebhookTables>, sealer: Sealer, now: Date): Promise<'ok' | 'mismatch'> {
  return db.transaction().execute(async (tx) => {
    for (let round = 0; round < 2; round++) {
      const row = await tx
        .selectFrom('webhook_key_check')
        .select('sealed_check')
        .where('id', '=', 1)
        .forUpdate()
        .executeTakeFirst();
      const sample = await sampleOpens(tx, sealer);
      if (sample === false) return 'mismatch';
      if (row && opens(sealer, row.sealed_check, CHECK_CONTEXT, CHECK_TEXT)) return 'ok';
      const sealed = sealer.seal(CHECK_TEXT, CHECK_CONTEXT);
      if (row) {
        // Another key was recorded, but the stored endpoints (if any) open with this one: it may change.
        await tx.updateTable('webhook_key_check').set({ sealed_check: sealed, updated_at: now }).execute();
        return 'ok';
      }
      const inserted = await tx
        .insertInto('webhook_key_check')
        .values({ id: 1, sealed_check: sealed, updated_at: now })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return 'ok';
      // Another instance recorded its key meanwhile: look again (its row is committed now).
    }
    throw new Error('the webhook key check row could not be read or written');
  });
}

/** In an endpoint's creation: refuses (coded) when another instance has recorded another key since this one started. */
export async function assertKeyInForce(tx: Transaction<WebhookTables>, sealer: Sealer): Promise<void> {
  const row = await tx
    .selectFrom('webhook_key_check')
    .select('sealed_check')
    .where('id', '=', 1)
    .forShare()
    .executeTakeFirst();
  if (row && !opens(sealer, row.sealed_check, CHECK_CONTEXT, CHECK_TEXT)) throw encryptionKeyMismatch();
}
