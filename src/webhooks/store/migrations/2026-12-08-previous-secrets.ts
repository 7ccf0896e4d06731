import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the database as it was then, not as tables.ts types it now */

/**
 * Every secret rotated away within its grace keeps signing (rows.ts `openSecrets`), not only the
 * last: `previous_secrets` is a JSON array of `{ sealed, expiresAtMs }`, newest first, at most
 * MAX_PREVIOUS_SECRETS (endpoint-queries.ts). The single columns of 2026-12-01 stay, written with the
 * newest previous secret, so that an instance still running the code before this migration (a rolling
 * upgrade) signs as it did; a secret found only there is honoured too.
 */
export const previousSecrets: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('webhook_endpoints')
      .addColumn('previous_secrets', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .execute();
    await sql`
      update webhook_endpoints
      set previous_secrets = jsonb_build_array(jsonb_build_object(
        'sealed', sealed_previous_secret,
        'expiresAtMs', round(extract(epoch from previous_secret_expires_at) * 1000)::bigint))
      where sealed_previous_secret is not null and previous_secret_expires_at is not null`.execute(db);
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('webhook_endpoints').dropColumn('previous_secrets').execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
