import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the database as it was then, not as tables.ts types it now */

/**
 * An attempt whose instance stopped before its outcome (`kill -9`, a crash, a stall past its lease) is
 * recorded instead of lost (claim-due.ts): a claim writes when its attempt began
 * (`attempt_started_at`, in the UPDATE that takes the lease), and the claim that takes over an expired
 * lease adds that attempt, `interrupted`, to `webhook_attempts`. `interrupted_attempts` counts them,
 * so that the retry schedule still counts only the attempts that had an outcome. Rows of an instance
 * older than this migration get the defaults: started unknown (the lease's start is assumed), none
 * interrupted.
 */
export const interruptedAttempts: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('webhook_deliveries')
      .addColumn('attempt_started_at', 'timestamptz')
      .addColumn('interrupted_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('webhook_attempts')
      .addColumn('interrupted', 'boolean', (c) => c.notNull().defaultTo(false))
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('webhook_attempts').dropColumn('interrupted').execute();
    await db.schema
      .alterTable('webhook_deliveries')
      .dropColumn('interrupted_attempts')
      .dropColumn('attempt_started_at')
      .execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
