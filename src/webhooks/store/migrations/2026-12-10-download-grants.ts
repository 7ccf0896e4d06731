import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the database as it was then, not as tables.ts types it now */

/**
 * Download grants (download-grants.ts): the gateway's own short-lived download links on Together, whose
 * download endpoint answers only to the account's key. A row holds what serving the link needs and
 * nothing more: the SHA-256 of the grant's id (the link's last segment; a dump gives no working link),
 * the caller's key and the grant's id sealed (the id only so that the same caller asking again while
 * the link is young gets the same link), the upstream path and query the gateway built, and the
 * expiry. `download_grants_reuse` finds a caller's young grant for a job's weights; the expiry index
 * keeps the bounded deletion of expired rows (at each creation) a short walk.
 */
export const downloadGrants: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('download_grants')
      .addColumn('grant_hash', 'text', (c) => c.primaryKey())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('owner_key', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('artifact', 'text', (c) => c.notNull().check(sql`artifact in ('adapter', 'merged')`))
      .addColumn('step', 'integer')
      .addColumn('upstream_path', 'text', (c) => c.notNull())
      .addColumn('sealed_credentials', 'text', (c) => c.notNull())
      .addColumn('sealed_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('download_grants_reuse')
      .on('download_grants')
      .columns(['provider', 'owner_key', 'job_id', 'artifact', 'expires_at'])
      .execute();
    await db.schema.createIndex('download_grants_expiry').on('download_grants').column('expires_at').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('download_grants').execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
