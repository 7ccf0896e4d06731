/**
 * The two databases every webhook store spec runs on: PostgreSQL (a fresh database per spec file on
 * the server at POSTGRES_TEST_URL, dropped afterwards; skipped, saying why, where none answers) and
 * PGlite (in memory). `store()` opens one more store on the same database, as one more gateway
 * instance would: on PostgreSQL its own pool, on PGlite its own Kysely over the one PGlite.
 * `describeOnBackends` declares a spec's suite once on each, with its backend and stores opened.
 */
import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe } from 'vitest';
import { eventsOfMove } from '../../src/webhooks/events.js';
import {
  connectPglite,
  connectPostgres,
  migrateToLatest,
  storeOn,
  type WebhookDb,
} from '../../src/webhooks/store/open-store.js';
import type {
  NewEndpoint,
  SeenJob,
  StoredEndpoint,
  WebhookOwner,
  WebhookStore,
} from '../../src/webhooks/webhook-store.js';
import type { JobStatus } from '../../src/upstream/schemas.js';
import { POSTGRES, POSTGRES_SKIP_REASON, scratchDatabase } from '../harness/postgres-available.js';

export interface StoreOptions {
  key?: Buffer | null;
  logger?: Logger;
}

export interface Backend {
  /** One more store on this database (one more instance), with `key` (default: the backend's KEY). */
  store(options?: StoreOptions): Promise<WebhookStore>;
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

/** What the body of `describeOnBackends` is handed: its backend, and the stores it declares. */
export interface BackendSuite {
  backend: Backend;
  /**
   * Declares one more store on the backend (one more instance, `options` as for `Backend.store`),
   * opened after those declared before it and closed in the same order, before the backend.
   */
  store(options?: StoreOptions): WebhookStore;
}

/**
 * Declares `body` as a suite on each backend, titled `${title} on PostgreSQL` (with the reason where
 * it is skipped) and `${title} on PGlite`. The backend and the stores the body declares open in
 * beforeAll (within OPEN_TIMEOUT_MS) and close in afterAll; the body has them at once, as stand-ins
 * that its tests and hooks use once they are open.
 */
export function describeOnBackends(title: string, body: (suite: BackendSuite) => void): void {
  for (const kind of BACKENDS) {
    describe.skipIf(!kind.available)(`${title} on ${kind.name}${kind.skipReason}`, () => {
      let backend: Backend | undefined;
      const declared: Array<StoreOptions | undefined> = [];
      const stores: WebhookStore[] = [];
      beforeAll(async () => {
        backend = await kind.open();
        for (const options of declared) stores.push(await backend.store(options));
      }, OPEN_TIMEOUT_MS);
      afterAll(async () => {
        for (const store of stores) await store.close();
        await backend?.close();
      });
      body({
        backend: whenOpen(`the ${kind.name} backend`, () => backend),
        store(options) {
          const index = declared.push(options) - 1;
          return whenOpen(`store ${index + 1} on ${kind.name}`, () => stores[index]);
        },
      });
    });
  }
}

/** Stands in for what `opened()` gives once it is open: reads go to it, its methods bound to it. */
function whenOpen<T extends object>(what: string, opened: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_, property) {
      const target = opened();
      if (target === undefined) throw new Error(`${what} is not open: it opens in beforeAll, for the tests and hooks`);
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

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

/**
 * An endpoint on `store` of a fresh owner (or `owner`), its baseline one running job: its deliveries
 * are the only ones the test's claims may keep.
 */
export function endpointWithBaseline(
  store: WebhookStore,
  owner: WebhookOwner = freshOwner(),
  events?: StoredEndpoint['events'],
): Promise<StoredEndpoint> {
  return store.createEndpoint(
    newEndpoint(owner, { ...(events ? { events } : {}), baseline: [{ jobId: 'job-base', status: 'running' }] }),
    10,
    T0,
  );
}

/** Claims everything due at `now` and gives back, unfinished, the claims of other endpoints (none, normally). */
export async function claimAll(store: WebhookStore, endpointId: string, now: Date, leaseMs = 60_000) {
  const claims = await store.claimDue(`instance-${endpointId}`, 1_000, leaseMs, now);
  return claims.filter((claim) => claim.endpointId === endpointId);
}
