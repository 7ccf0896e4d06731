/**
 * The schema of the gateway's durable state, as migrations kept in code (Kysely's Migrator), run at
 * open on PostgreSQL and on PGlite alike. The Migrator takes PostgreSQL's advisory lock, so instances
 * starting together migrate once. A migration, once released, is never edited: the next change is a
 * new entry, named so that it sorts after the others.
 *
 * Each migration is a file of migrations/, named after its entry in MIGRATIONS; this file runs them.
 */
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { webhooks001 } from './migrations/2026-12-01-webhooks.js';
import { deliveryRetention } from './migrations/2026-12-06-delivery-retention.js';
import { fairClaims } from './migrations/2026-12-08-fair-claims.js';
import { previousSecrets } from './migrations/2026-12-08-previous-secrets.js';
import { interruptedAttempts } from './migrations/2026-12-09-interrupted-attempts.js';
import { downloadGrants } from './migrations/2026-12-10-download-grants.js';
import { attemptSeries } from './migrations/2026-12-11-attempt-series.js';
import { pendingAge } from './migrations/2026-12-12-pending-age.js';
import { creationKeys } from './migrations/2026-12-13-creation-keys.js';

const MIGRATIONS: Record<string, Migration> = {
  '2026-12-01-webhooks': webhooks001,
  '2026-12-06-delivery-retention': deliveryRetention,
  '2026-12-08-fair-claims': fairClaims,
  '2026-12-08-previous-secrets': previousSecrets,
  '2026-12-09-interrupted-attempts': interruptedAttempts,
  '2026-12-10-download-grants': downloadGrants,
  '2026-12-11-attempt-series': attemptSeries,
  '2026-12-12-pending-age': pendingAge,
  '2026-12-13-creation-keys': creationKeys,
};

const MIGRATION_TABLE = 'gateway_migrations';

/* eslint-disable @typescript-eslint/no-explicit-any -- the migrations see the database as it is before them, not as tables.ts types it */
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
