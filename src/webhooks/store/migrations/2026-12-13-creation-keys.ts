import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the database as it was then, not as tables.ts types it now */

/**
 * Creation keys (creation-keys.ts): `createJob`'s `idempotencyKey`, one row per caller and key. A row
 * holds the caller's scope (a hash of provider, account and token: never the token), the key, a hash
 * of the job's input, where the creation is (`creating`, `created` with the provider's job id, or
 * `unknown` when its answer was lost) and its expiry. The expiry index keeps the bounded deletion of
 * expired rows (at each claim) a short walk. Only adds a table: an instance of the release before
 * runs on it unchanged (a rolling upgrade), and simply never reads it.
 */
export const creationKeys: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('creation_keys')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('input_hash', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('creating', 'created', 'unknown')`))
      .addColumn('job_id', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('creation_keys_pkey', ['scope', 'idempotency_key'])
      .execute();
    await db.schema.createIndex('creation_keys_expiry').on('creation_keys').column('expires_at').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('creation_keys').execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
