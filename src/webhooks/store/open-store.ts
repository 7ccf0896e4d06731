/**
 * Connecting Kysely to PostgreSQL (`pg`'s pool) or to the embedded PGlite, migrating, and building the
 * store on the result. Imported dynamically by whoever opens the database (src/server/webhook-database.ts),
 * so that Kysely, `pg` and PGlite's WebAssembly cost nothing to a gateway that never uses webhooks;
 * `pg` and PGlite are imported here only when their database is opened.
 */
import { mkdir } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, type LogEvent, type PGlite as PGliteForKysely } from 'kysely';
import type { Logger } from 'pino';
import { createSealer } from '../seal.js';
import type { WebhookStore } from '../webhook-store.js';
import { boundedPool } from './bounded-pool.js';
import { checkKey } from './key-check.js';
import { createKyselyWebhookStore } from './kysely-webhook-store.js';
import { migrateToLatest as migrate } from './migrations.js';
import type { WebhookTables } from './tables.js';

export type WebhookDb = Kysely<WebhookTables>;

/** An error's name, code and message: a driver's error object may hold the query's parameters. */
function briefly(error: unknown) {
  if (!(error instanceof Error)) return { message: String(error) };
  return { type: error.name, code: (error as { code?: unknown }).code, message: error.message };
}

/**
 * Query lines at trace level: the SQL text and its duration, never the parameters (which hold sealed
 * secrets, ids and event bodies). Failed queries at debug. Off unless the logger's level asks.
 */
function queryLog(logger: Logger) {
  if (!logger.isLevelEnabled('debug')) return undefined;
  return (event: LogEvent) => {
    const ms = Math.round(event.queryDurationMillis * 10) / 10;
    if (event.level === 'query') logger.trace({ sql: event.query.sql, ms }, 'webhook store query');
    else logger.debug({ sql: event.query.sql, ms, err: briefly(event.error) }, 'webhook store query failed');
  };
}

/** Connections PostgreSQL gives one instance: claims, records and the API's reads, each short. */
const POOL_SIZE = 5;

/**
 * How long a query waits for PostgreSQL's answer. pg waits as long as the connection stays open, and a
 * frozen server (or a path that drops packets) keeps it open: a webhook API call would hang until the
 * database came back. The store's statements are short (indexed reads and writes of a few rows, a
 * batch of a thousand deletes): 5 s is far above them, and below the 10 s clients and
 * proxies commonly give up at. Past it the webhook API answers SERVICE_UNAVAILABLE (the connection
 * counts as lost, store-unavailable.ts) and the worker tries again on its next turn. Not applied to
 * the migrations (migrateToLatest): an index built on a large table, or waiting for the lock of another
 * instance migrating, may rightly take longer.
 */
export const QUERY_TIMEOUT_MS = 5_000;

/** Whether each database's queries are bounded now (off during its migrations). */
const bounded = new WeakMap<WebhookDb, { on: boolean }>();

export async function connectPostgres(url: string, logger: Logger): Promise<WebhookDb> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    idleTimeoutMillis: 30_000,
    // pg waits forever for a connection by default: a host that drops packets would hang the start.
    connectionTimeoutMillis: 10_000,
    application_name: 'fine-tuning-gateway',
  });
  // An idle client's broken connection is an 'error' event on the pool: without a listener it would
  // crash the process. The pool replaces the client; the next query reconnects.
  pool.on('error', (error) => logger.warn({ err: error }, 'PostgreSQL connection error (DATABASE_URL)'));
  // The pool listens to a client's errors only while it is idle. A socket error while it is checked
  // out (a query or a transaction under way: a reset connection, PostgreSQL gone) is emitted on the
  // client too, and without a listener it would end the process. The query under way is rejected
  // with it (its caller reports it), and the pool drops the client when it comes back.
  pool.on('connect', (client) =>
    client.on('error', (error) =>
      logger.debug({ err: error }, 'PostgreSQL connection lost under a query (DATABASE_URL)'),
    ),
  );
  const log = queryLog(logger);
  const bound = { on: true };
  const dialect = new PostgresDialect({ pool: boundedPool(pool, () => (bound.on ? QUERY_TIMEOUT_MS : undefined)) });
  const db = new Kysely<WebhookTables>({ dialect, ...(log ? { log } : {}) });
  bounded.set(db, bound);
  return db;
}

/**
 * PGlite in `dataDir` (created when missing), `memory://` for a database that lives as long as the
 * process, or an instance already open (tests put two stores on one). Small shared buffers: the
 * webhook tables are small, and the default 128 MB adds about as much to the process's memory.
 */
export async function connectPglite(where: string | PGlite, logger: Logger): Promise<WebhookDb> {
  let pglite: PGlite;
  if (typeof where === 'string') {
    const { PGlite } = await import('@electric-sql/pglite');
    if (!where.startsWith('memory://')) await mkdir(where, { recursive: true });
    pglite = await PGlite.create(where, { postgresqlconf: ['shared_buffers=8MB'] });
  } else pglite = where;
  const log = queryLog(logger);
  return new Kysely<WebhookTables>({
    dialect: new PGliteDialect({ pglite: withoutParametersInErrors(pglite) }),
    ...(log ? { log } : {}),
  });
}

type Query = PGlite['query'];

/** `query` whose errors no longer carry the parameters (PGlite adds `params` and `queryOptions`, pg does not). */
function scrubbed(query: Query): Query {
  return (async (...args: Parameters<Query>) => {
    try {
      return await query(...args);
    } catch (error) {
      if (error && typeof error === 'object') {
        delete (error as { params?: unknown }).params;
        delete (error as { queryOptions?: unknown }).queryOptions;
      }
      throw error;
    }
  }) as Query;
}

/** The PGlite as Kysely's dialect sees it, its queries' errors (in transactions too) scrubbed. */
function withoutParametersInErrors(pglite: PGlite): PGliteForKysely {
  return {
    query: scrubbed(pglite.query.bind(pglite)),
    transaction: (callback) =>
      pglite.transaction((tx) => callback({ query: scrubbed(tx.query.bind(tx)), rollback: () => tx.rollback() })),
    close: () => pglite.close(),
    get closed() {
      return pglite.closed;
    },
    get ready() {
      return pglite.ready;
    },
    waitReady: pglite.waitReady,
  };
}

/** The migrations, their queries unbounded (see QUERY_TIMEOUT_MS); nothing else runs on `db` meanwhile. */
export async function migrateToLatest(db: WebhookDb): ReturnType<typeof migrate> {
  const bound = bounded.get(db);
  if (bound) bound.on = false;
  try {
    return await migrate(db);
  } finally {
    if (bound) bound.on = true;
  }
}

export async function storedEndpointCount(db: WebhookDb): Promise<number> {
  const { count } = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(count);
}

/** 'mismatch': endpoints are stored that `key` does not open (see key-check.ts). */
export function checkStoredKey(db: WebhookDb, key: Buffer, now: Date): Promise<'ok' | 'mismatch'> {
  return checkKey(db, createSealer(key), now);
}

/** The store on a migrated database; `close` ends its connections (and closes PGlite). */
export function storeOn(db: WebhookDb, options: { key: Buffer | null; logger: Logger }): WebhookStore {
  const sealer = options.key ? createSealer(options.key) : null;
  return createKyselyWebhookStore({ db, sealer, logger: options.logger }, () => db.destroy());
}
