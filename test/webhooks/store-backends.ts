/**
 * The two databases every webhook store spec runs on: PostgreSQL (a fresh database per spec file on
 * the server at POSTGRES_TEST_URL, dropped afterwards; skipped, saying why, where none answers) and
 * PGlite (in memory). `store()` opens one more store on the same database, as one more gateway
 * instance would: on PostgreSQL its own pool, on PGlite its own Kysely over the one PGlite.
 */
import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { pino, type Logger } from 'pino';
import { eventsOfMove } from '../../src/webhooks/events.js';
import {
  connectPglite,
  connectPostgres,
  migrateToLatest,
  storeOn,
  type WebhookDb,
} from '../../src/webhooks/store/open-store.js';
import type { NewEndpoint, SeenJob, WebhookOwner, WebhookStore } from '../../src/webhooks/webhook-store.js';
import type { JobStatus } from '../../src/upstream/schemas.js';
import { POSTGRES, POSTGRES_SKIP_REASON, scratchDatabase } from '../harness/postgres-available.js';

export interface Backend {
  /** One more store on this database (one more instance), with `key` (default: the backend's KEY). */
  store(options?: { key?: Buffer | null; logger?: Logger }): Promise<WebhookStore>;
  /** Plain SQL on the database, beside the stores (to look at or alter rows). */
  db: WebhookDb;
  close(): Promise<void>;
}

export interface BackendKind {
  name: 'PostgreSQL' | 'PGlite';
  available: boolean;
  /** Appended to the suite's title: why it is skipped, or nothing. */
  skipReason: string;
  open(): Promise<Backend>;
}

export const KEY = randomBytes(32);
export const silent = pino({ level: 'silent' });

async function openPostgresBackend(): Promise<Backend> {
  const scratch = await scratchDatabase();
  const opened: WebhookDb[] = [];
  const db = await connectPostgres(scratch.url, silent);
  await migrateToLatest(db);
  return {
    db,
    async store(options = {}) {
      const instance = await connectPostgres(scratch.url, options.logger ?? silent);
      opened.push(instance);
      await migrateToLatest(instance);
      return storeOn(instance, {
        key: options.key === undefined ? KEY : options.key,
        logger: options.logger ?? silent,
      });
    },
    async close() {
      await Promise.all([db, ...opened].map((each) => each.destroy().catch(() => undefined)));
      await scratch.drop();
    },
  };
}

/** The one PGlite, seen by each store as its own (closing a store leaves it open for the others). */
function shared(pglite: PGlite): PGlite {
  return {
    query: pglite.query.bind(pglite),
    transaction: pglite.transaction.bind(pglite),
    get ready() {
      return pglite.ready;
    },
    get closed() {
      return pglite.closed;
    },
    waitReady: pglite.waitReady,
    close: async () => undefined,
  } as unknown as PGlite;
}

async function openPgliteBackend(): Promise<Backend> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create('memory://');
  const db = await connectPglite(shared(pglite), silent);
  await migrateToLatest(db);
  return {
    db,
    async store(options = {}) {
      const instance = await connectPglite(shared(pglite), options.logger ?? silent);
      await migrateToLatest(instance);
      return storeOn(instance, {
        key: options.key === undefined ? KEY : options.key,
        logger: options.logger ?? silent,
      });
    },
    close: () => pglite.close(),
  };
}

export const BACKENDS: BackendKind[] = [
  { name: 'PostgreSQL', available: POSTGRES, skipReason: POSTGRES_SKIP_REASON, open: openPostgresBackend },
  { name: 'PGlite', available: true, skipReason: '', open: openPgliteBackend },
];

/** Opening PGlite (WebAssembly, initdb in memory) takes seconds on a busy 2-core machine. */
export const OPEN_TIMEOUT_MS = 120_000;

export const T0 = new Date('2026-12-01T10:00:00.000Z');
export const at = (ms: number) => new Date(T0.getTime() + ms);

let owners = 0;
/** An owner no other test uses (the database is shared by the spec file's tests). */
export function freshOwner(provider: WebhookOwner['provider'] = 'nscale'): WebhookOwner {
  owners += 1;
  return { provider, ownerKey: `org-${owners}-${randomBytes(4).toString('hex')}` };
}

export function newEndpoint(owner: WebhookOwner, overrides: Partial<NewEndpoint> = {}): NewEndpoint {
  return {
    ...owner,
    url: 'https://receiver.example/hook',
    events: ['JOB_CREATED', 'JOB_RUNNING', 'JOB_COMPLETED', 'JOB_FAILED', 'JOB_CANCELLED', 'JOB_STATUS_CHANGED'],
    description: 'CI pipeline',
    signingSecret: `whsec_${randomBytes(24).toString('base64')}`,
    credentials: { token: `tok_${randomBytes(16).toString('hex')}`, organizationId: owner.ownerKey },
    baseline: [],
    ...overrides,
  };
}

/** A job as a poll saw it; each event's body names the move, so tests can read it back. */
export function seenJob(jobId: string, status: JobStatus): SeenJob {
  return {
    jobId,
    status,
    bodies: (previous) =>
      eventsOfMove(previous, status).map((type) => ({ type, body: JSON.stringify({ type, jobId, previous, status }) })),
  };
}

/** How many rows of `table` have `column` equal to `value` (a delivery's attempts, an endpoint's deliveries). */
export async function countRows(db: WebhookDb, table: string, column: string, value: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${sql.ref(
    column,
  )} = ${value}`.execute(db);
  return rows[0]!.n;
}
