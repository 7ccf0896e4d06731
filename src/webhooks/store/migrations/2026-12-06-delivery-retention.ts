import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the database as it was then, not as tables.ts types it now */

/** Retention (prune-deliveries.ts): the finished deliveries by age, so that a sweep reads only what it deletes. */
export const deliveryRetention: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('webhook_deliveries_finished')
      .on('webhook_deliveries')
      .column('created_at')
      .where(sql.ref('state'), 'in', sql`('succeeded', 'failed')`)
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('webhook_deliveries_finished').execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
