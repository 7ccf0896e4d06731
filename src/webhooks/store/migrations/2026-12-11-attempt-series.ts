import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the database as it was then, not as tables.ts types it now */

/**
 * Series of attempts (finish-attempt.ts): `series_start` is the `attempt_count` at which the
 * delivery's current series began. An attempt that ends the delivery (delivered, 410, or failed with
 * no retry left) ends its series, so a redelivery starts a new one: the retry schedule and its give-up
 * count only the failed attempts of the current series. Rows of an older instance keep 0 (one series).
 */
export const attemptSeries: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('webhook_deliveries')
      .addColumn('series_start', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('webhook_deliveries').dropColumn('series_start').execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
