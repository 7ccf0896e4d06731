/**
 * The schema of the gateway's durable state, as migrations kept in code (Kysely's Migrator), run at
 * open on PostgreSQL and on PGlite alike. The Migrator takes PostgreSQL's advisory lock, so instances
 * starting together migrate once. A migration, once released, is never edited: the next change is a
 * new entry, named so that it sorts after the others.
 */
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration sees the database as it was then, not as tables.ts types it now */
const webhooks001: Migration = {
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

/** Retention (prune-deliveries.ts): the finished deliveries by age, so that a sweep reads only what it deletes. */
const deliveryRetention: Migration = {
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

/**
 * Fair claims (claim-and-finish.ts): each endpoint's due deliveries in due order, read a few per
 * endpoint, so that a claim never walks one endpoint's whole backlog to reach another's; and the
 * leased ones (few: the attempts in flight, and those of an instance that died), which the caps count.
 */
const fairClaims: Migration = {
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

/**
 * Every secret rotated away within its grace keeps signing (rows.ts `openSecrets`), not only the
 * last: `previous_secrets` is a JSON array of `{ sealed, expiresAtMs }`, newest first, at most
 * MAX_PREVIOUS_SECRETS (endpoint-queries.ts). The single columns of 2026-12-01 stay, written with the
 * newest previous secret, so that an instance still running the code before this migration (a rolling
 * upgrade) signs as it did; a secret found only there is honoured too.
 */
const previousSecrets: Migration = {
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

/**
 * An attempt whose instance stopped before its outcome (`kill -9`, a crash, a stall past its lease) is
 * recorded instead of lost (claim-and-finish.ts): a claim writes when its attempt began
 * (`attempt_started_at`, in the UPDATE that takes the lease), and the claim that takes over an expired
 * lease adds that attempt, `interrupted`, to `webhook_attempts`. `interrupted_attempts` counts them,
 * so that the retry schedule still counts only the attempts that had an outcome. Rows of an instance
 * older than this migration get the defaults: started unknown (the lease's start is assumed), none
 * interrupted.
 */
const interruptedAttempts: Migration = {
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

/**
 * Download grants (download-grants.ts): the gateway's own short-lived download links on Together, whose
 * download endpoint answers only to the account's key. A row holds what serving the link needs and
 * nothing more: the SHA-256 of the grant's id (the link's last segment; a dump gives no working link),
 * the caller's key and the grant's id sealed (the id only so that the same caller asking again while
 * the link is young gets the same link), the upstream path and query the gateway built, and the
 * expiry. `download_grants_reuse` finds a caller's young grant for a job's weights; the expiry index
 * keeps the bounded deletion of expired rows (at each creation) a short walk.
 */
const downloadGrants: Migration = {
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

/**
 * Series of attempts (claim-and-finish.ts): `series_start` is the `attempt_count` at which the
 * delivery's current series began. An attempt that ends the delivery (delivered, 410, or failed with
 * no retry left) ends its series, so a redelivery starts a new one: the retry schedule and its give-up
 * count only the failed attempts of the current series. Rows of an older instance keep 0 (one series).
 */
const attemptSeries: Migration = {
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

const MIGRATIONS: Record<string, Migration> = {
  '2026-12-01-webhooks': webhooks001,
  '2026-12-06-delivery-retention': deliveryRetention,
  '2026-12-08-fair-claims': fairClaims,
  '2026-12-08-previous-secrets': previousSecrets,
  '2026-12-09-interrupted-attempts': interruptedAttempts,
  '2026-12-10-download-grants': downloadGrants,
  '2026-12-11-attempt-series': attemptSeries,
};

const MIGRATION_TABLE = 'gateway_migrations';

/**
 * The migrations a newer version ran on this database that this version does not know, when it has
 * run every one this version knows: the schema is ahead. Migrations only add (columns with defaults,
 * tables), so this version runs on it: an instance of the older version restarted in a rolling
 * upgrade, or a rollback, starts instead of refusing the database (Kysely's own check, "previously
 * executed migration … is missing", stopped the whole gateway). Empty when nothing is ahead.
 */
async function newerMigrations(db: Kysely<any>): Promise<string[]> {
  let names: string[];
  try {
    const rows = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
    names = rows.rows.map((row) => row.name);
  } catch {
    return []; // no table yet: a new database
  }
  const unknown = names.filter((name) => !(name in MIGRATIONS));
  const mine = Object.keys(MIGRATIONS).every((name) => names.includes(name));
  return unknown.length > 0 && mine ? unknown : [];
}

export interface MigrationOutcome {
  /** The migrations run now. */
  applied: string[];
  /** Migrations of a newer version found run already (this version runs on its schema); empty when none. */
  newer: string[];
}

/** Brings the schema to the latest migration; throws the first failure (a database error: no secrets in it). */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationOutcome> {
  const newer = await newerMigrations(db);
  if (newer.length > 0) return { applied: [], newer };
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: 'gateway_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(
      `database migration${failed ? ` ${failed}` : 's'} failed: ${(error as Error).message ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  return { applied: (results ?? []).map((result) => result.migrationName), newer: [] };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
