import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the database as it was then, not as tables.ts types it now */

/**
 * Fair claims (claim-due.ts): each endpoint's due deliveries in due order, read a few per
 * endpoint, so that a claim never walks one endpoint's whole backlog to reach another's; and the
 * leased ones (few: the attempts in flight, and those of an instance that died), which the caps count.
 */
export const fairClaims: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('webhook_deliveries_endpoint_due')
      .on('webhook_deliveries')
      .columns(['endpoint_id', 'next_attempt_at', 'seq'])
      .where(sql.ref('state'), '=', 'pending')
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_leased')
      .on('webhook_deliveries')
      .columns(['endpoint_id', 'lease_expires_at'])
      .where(sql<boolean>`state = 'pending' and lease_expires_at is not null`)
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('webhook_deliveries_leased').execute();
    await db.schema.dropIndex('webhook_deliveries_endpoint_due').execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
