import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the database as it was then, not as tables.ts types it now */

/**
 * The first schema: the endpoints, what each saw of its owner's jobs, the deliveries and their
 * attempts, and the key check (key-check.ts).
 */
export const webhooks001: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('owner_key', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('events', sql`text[]`, (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('enabled', 'boolean', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('active', 'paused', 'failing', 'disabled')`))
      .addColumn('state_reason', 'text')
      .addColumn('sealed_secret', 'text', (c) => c.notNull())
      .addColumn('sealed_previous_secret', 'text')
      .addColumn('previous_secret_expires_at', 'timestamptz')
      .addColumn('sealed_credentials', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('webhook_endpoints_owner')
      .on('webhook_endpoints')
      .columns(['provider', 'owner_key', 'created_at'])
      .execute();

    await db.schema
      .createTable('webhook_job_statuses')
      .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('webhook_job_statuses_pk', ['endpoint_id', 'job_id'])
      .execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity().unique())
      .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('previous_status', 'text')
      .addColumn('job_status', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'succeeded', 'failed')`))
      .addColumn('attempt_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'timestamptz')
      .addColumn('lease_owner', 'text')
      .addColumn('lease_value', 'text')
      .addColumn('lease_expires_at', 'timestamptz')
      .addColumn('last_response_code', 'integer')
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
    // The claim: pending rows in due order, and nothing else (succeeded and failed rows pile up).
    await db.schema
      .createIndex('webhook_deliveries_due')
      .on('webhook_deliveries')
      .column('next_attempt_at')
      .where(sql.ref('state'), '=', 'pending')
      .execute();
    // Paging an endpoint's deliveries newest first; also what the cascade delete walks.
    await db.schema
      .createIndex('webhook_deliveries_endpoint')
      .on('webhook_deliveries')
      .columns(['endpoint_id', 'seq desc'])
      .execute();

    await db.schema
      .createTable('webhook_attempts')
      .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'timestamptz', (c) => c.notNull())
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('response_code', 'integer')
      .addColumn('error', 'text')
      .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'number'])
      .execute();

    await db.schema
      .createTable('webhook_key_check')
      .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
      .addColumn('sealed_check', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    for (const table of [
      'webhook_key_check',
      'webhook_attempts',
      'webhook_deliveries',
      'webhook_job_statuses',
      'webhook_endpoints',
    ])
      await db.schema.dropTable(table).execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
