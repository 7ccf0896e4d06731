import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the database as it was then, not as tables.ts types it now */

/**
 * The pending backlog (pending-backlog.ts): each endpoint's deliveries not yet delivered, oldest
 * recorded first, so that the metrics read the oldest in one probe per endpoint and count a bounded
 * number, those waiting for a retry included (the due index orders them by their next attempt). Only
 * adds an index: an instance of the release before runs on it unchanged (a rolling upgrade).
 */
export const pendingAge: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('webhook_deliveries_pending_age')
      .on('webhook_deliveries')
      .columns(['endpoint_id', 'created_at'])
      .where(sql.ref('state'), '=', 'pending')
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('webhook_deliveries_pending_age').execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
