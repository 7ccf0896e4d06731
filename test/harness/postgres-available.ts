/**
 * Whether a PostgreSQL answers at POSTGRES_TEST_URL (default postgres://$PGUSER@127.0.0.1:5432/postgres,
 * PGUSER defaulting to `postgres`: trust authentication, as on this machine kind and in CI), asked
 * once per spec file before its tests are collected. Specs that need one skip, saying why, where none
 * answers. `scratchDatabase()` creates a fresh database for one spec file and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_URL =
  process.env['POSTGRES_TEST_URL'] ?? `postgres://${process.env['PGUSER'] ?? 'postgres'}@127.0.0.1:5432/postgres`;

async function probe(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const failure = await probe(POSTGRES_URL);

/** True when a PostgreSQL answered at POSTGRES_URL. */
export const POSTGRES = failure === null;

/** Appended to the title of a skipped suite: why it was skipped and how to run it. */
export const POSTGRES_SKIP_REASON = POSTGRES
  ? ''
  : ` (SKIPPED: no PostgreSQL answers at ${new URL(POSTGRES_URL).host} (${failure}); start one (\`pg_ctlcluster --skip-systemctl-redirect 15 main start\`, or \`apt-get install -y postgresql\`) or set POSTGRES_TEST_URL)`;

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  /** The URL of the fresh database (same server and user as POSTGRES_URL). */
  url: string;
  /** Drops it, closing whatever connections are left. */
  drop(): Promise<void>;
}

/** A fresh, empty database `ftgw_test_<random>` on the server at POSTGRES_URL. */
export async function scratchDatabase(): Promise<ScratchDatabase> {
  const name = `ftgw_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`create database ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
