/**
 * The gateway's durable state for webhooks, opened here and only here (settings.database): PostgreSQL
 * at DATABASE_URL, migrated at start; otherwise the embedded PGlite in DATA_DIR/pglite, opened at start
 * when it already holds a database, else on first use (lazy-webhook-store.ts), so that `npm start`
 * needs no setup and a gateway without webhooks never pays for it. The database code (Kysely, `pg`,
 * PGlite) is imported only when a database is opened.
 *
 * The key rules (the sealing of signing secrets and credentials, src/webhooks/seal.ts):
 * - PostgreSQL: WEBHOOK_ENCRYPTION_KEY is required once endpoints are stored; without it the start
 *   refuses, and with none stored the store refuses to create one (coded, naming the setting).
 * - PGlite without WEBHOOK_ENCRYPTION_KEY: DATA_DIR/webhook.key, generated (mode 0600) when missing
 *   and nothing is stored; its creation is logged, never the key.
 * - Either way, a key that does not open what is stored refuses the start, instead of failing later
 *   on every delivery.
 *
 * DATA_DIR must be a folder the process may write to (in a container: a volume, not the image's app
 * folder, which is root's, or read-only). An embedded database opened at start refuses the start
 * otherwise, naming DATA_DIR; one opened on first use is checked at start all the same (a warning),
 * and its creation then answers SERVICE_UNAVAILABLE naming DATA_DIR and DATABASE_URL, never a masked
 * internal error.
 */
import { constants, existsSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { embeddedDatabaseUnavailable } from '../webhooks/errors.js';
import { unreachable } from '../webhooks/store-unavailable.js';
import { lazyWebhookStore } from '../webhooks/store/lazy-webhook-store.js';
import type { WebhookDb } from '../webhooks/store/open-store.js';
import type { WebhookStore } from '../webhooks/webhook-store.js';
import { degradedOnly } from './readiness-response.js';
import { StartError } from './start-error.js';

export interface WebhookDatabaseSettings {
  /** DATABASE_URL, or null for the embedded PGlite. */
  url: string | null;
  /** DATA_DIR: the embedded database (`pglite/`) and its generated key (`webhook.key`). */
  dataDir: string;
}

export interface WebhookDatabaseOptions {
  logger: Logger;
  /** WEBHOOK_ENCRYPTION_KEY (32 bytes), or null. */
  encryptionKey: Buffer | null;
}

const KEY_SETTING = 'WEBHOOK_ENCRYPTION_KEY';

/** The URL without its password, for messages. */
function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

async function migrated(db: WebhookDb, where: string, logger: Logger): Promise<void> {
  const { migrateToLatest } = await import('../webhooks/store/open-store.js');
  try {
    const { newer } = await migrateToLatest(db);
    const said = 'this one runs on its schema (a rolling upgrade or a rollback)';
    if (newer.length > 0)
      logger.warn({ newer }, `${where}: the database was migrated by a newer version of the gateway; ${said}`);
  } catch (error) {
    throw new StartError(`${where}: the database could not be opened or migrated: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function checkedKey(db: WebhookDb, key: Buffer, whose: string): Promise<void> {
  const { checkStoredKey } = await import('../webhooks/store/open-store.js');
  if ((await checkStoredKey(db, key, new Date())) === 'mismatch')
    throw new StartError(
      `${whose} does not open the webhook secrets stored in the database: they were sealed with ` +
        `another key. Set the key they were sealed with (the same on every instance).`,
    );
}

async function openPostgres(url: string, options: WebhookDatabaseOptions): Promise<WebhookStore> {
  const store = await import('../webhooks/store/open-store.js');
  const db = await store.connectPostgres(url, options.logger);
  try {
    await migrated(db, `DATABASE_URL (${describeUrl(url)})`, options.logger);
    if (options.encryptionKey) await checkedKey(db, options.encryptionKey, KEY_SETTING);
    else {
      const count = await store.storedEndpointCount(db);
      if (count > 0)
        throw new StartError(
          `${KEY_SETTING} is not set, but the database at DATABASE_URL holds ${count} webhook ` +
            `endpoint${count === 1 ? '' : 's'} whose secrets it sealed: set ${KEY_SETTING} to the key they ` +
            `were sealed with.`,
        );
      // Said now, not first at a caller's createWebhookEndpoint (operator trial).
      options.logger.warn(
        `${KEY_SETTING} is not set with DATABASE_URL: creating a webhook endpoint is refused ` +
          `(SERVICE_UNAVAILABLE) until it is set (32 random bytes as base64, the same on every instance)`,
      );
    }
    return watchedForOutages(store.storeOn(db, { key: options.encryptionKey, logger: options.logger }), options.logger);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
}

const outages = new WeakMap<WebhookStore, () => string | null>();
const AFFECTED =
  "webhook endpoints and deliveries, Together's download links and createJob with an idempotencyKey are " +
  'unavailable until it is back (deliveries wait); other queries, mutations and subscriptions are served.';

/**
 * Why the webhook database (PostgreSQL) cannot serve now, as its store's own calls last found it (the delivery
 * worker's scans, every WEBHOOK_SCAN_MS), or null: no query of its own; no address, user or password.
 */
export function webhookDatabaseProblem(store: WebhookStore | null | undefined): string | null {
  return (store && outages.get(store)?.()) ?? null;
}

/**
 * `store`, watching how its calls end: one failing for an outage (store-unavailable.ts) marks the database
 * out of reach, unless one begun later has succeeded; one begun after it and succeeding marks it back.
 */
function watchedForOutages(store: WebhookStore, logger: Logger): WebhookStore {
  let [begun, answered] = [0, 0]; // calls begun, and the latest of them that succeeded
  let down: { since: number; problem: string } | null = null;
  const ended = (call: number, error?: unknown): void => {
    const how = error === undefined ? null : unreachable(error);
    if (how && call > answered) {
      const what = how === 'cannot-serve' ? 'cannot serve now (out of resources, or read-only)' : 'cannot be reached';
      if (down === null) logger.warn({ how }, `the webhook database (DATABASE_URL) ${what}: ${AFFECTED}`);
      down = { since: call, problem: degradedOnly(`The webhook database (DATABASE_URL) ${what}: ${AFFECTED}`) };
    } else if (error === undefined) {
      answered = Math.max(answered, call);
      if (down === null || call < down.since) return;
      down = null;
      logger.info('the webhook database (DATABASE_URL) answers again: webhooks and download links are served');
    }
  };
  const watched = new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const call = ++begun;
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise)
          result.then(
            () => ended(call),
            (e: unknown) => ended(call, e),
          );
        return result;
      };
    },
  });
  outages.set(watched, () => down?.problem ?? null);
  return watched;
}

/** DATA_DIR unusable for the embedded database: not writable (checked first), or PGlite would not open in it. */
class DataDirError extends StartError {
  constructor(
    readonly why: 'unwritable' | 'unopened',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const DATA_DIR_FIX =
  "Set DATA_DIR to a folder the gateway's user may write to (a volume), or DATABASE_URL to a PostgreSQL database.";

/**
 * Why the embedded database cannot be created or written in `dataDir` (the reason, naming the
 * path), or null when it can: the nearest of DATA_DIR/pglite, DATA_DIR and its parents that exists
 * must be a folder this process may write to (what is missing below it is created then). Creates
 * nothing, so it may run at start without opening the database.
 */
async function unwritable(dataDir: string): Promise<string | null> {
  let path = resolve(dataDir, 'pglite');
  for (;;) {
    try {
      if (!(await stat(path)).isDirectory()) return `${path} is not a folder`;
      await access(path, constants.W_OK | constants.X_OK);
      return null;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = dirname(path);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === path) return (error as Error).message;
      path = parent;
    }
  }
}

/** An error's words: PGlite's file-system errors have no message, only a name and an errno. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const errno = (error as { errno?: unknown }).errno;
  if (error.message && error.message !== 'undefined') return error.message;
  return `${error.name}${errno === undefined ? '' : ` (errno ${String(errno)})`}`;
}

/** The embedded database's key: the setting, else DATA_DIR/webhook.key, created when nothing is stored yet. */
async function embeddedKey(db: WebhookDb, dataDir: string, options: WebhookDatabaseOptions): Promise<Buffer> {
  if (options.encryptionKey) return options.encryptionKey;
  const { createKeyFile, readKeyFile } = await import('../webhooks/store/key-file.js');
  const path = join(dataDir, 'webhook.key');
  const existing = await readKeyFile(path).catch((error: Error) => {
    throw new StartError(`${error.message}: set ${KEY_SETTING}, or restore the file`);
  });
  if (existing) return existing;
  const { storedEndpointCount } = await import('../webhooks/store/open-store.js');
  const count = await storedEndpointCount(db);
  if (count > 0)
    throw new StartError(
      `${path} is missing, but the embedded database holds ${count} webhook ` +
        `endpoint${count === 1 ? '' : 's'} sealed with it: restore the file or set ${KEY_SETTING} to ` +
        `that key.`,
    );
  const key = await createKeyFile(path).catch((error: unknown) => {
    throw new DataDirError('unopened', `${path} could not be created: ${reasonOf(error)}. ${DATA_DIR_FIX}`, {
      cause: error,
    });
  });
  options.logger.info({ path }, `generated the key that seals webhook secrets into ${path} (${KEY_SETTING} is unset)`);
  return key;
}

async function openEmbedded(dataDir: string, options: WebhookDatabaseOptions): Promise<WebhookStore> {
  const store = await import('../webhooks/store/open-store.js');
  const folder = join(dataDir, 'pglite');
  const problem = await unwritable(dataDir);
  if (problem)
    throw new DataDirError(
      'unwritable',
      `DATA_DIR (${resolve(dataDir)}): ${problem}: the embedded webhook database cannot be created or ` +
        `written there. ${DATA_DIR_FIX}`,
    );
  const db = await store.connectPglite(folder, options.logger).catch((error: unknown) => {
    throw new DataDirError(
      'unopened',
      `DATA_DIR (${resolve(folder)}): the embedded webhook database could not be opened: ${reasonOf(error)}. ` +
        DATA_DIR_FIX,
      { cause: error },
    );
  });
  try {
    await migrated(db, `DATA_DIR (${folder})`, options.logger);
    const key = await embeddedKey(db, dataDir, options);
    await checkedKey(db, key, options.encryptionKey ? KEY_SETTING : join(dataDir, 'webhook.key'));
    options.logger.info({ folder }, 'opened the embedded database (PGlite) of webhooks');
    return store.storeOn(db, { key, logger: options.logger });
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
}

/**
 * The webhook store on the configured database. PostgreSQL (and an embedded database that exists) is
 * opened and checked now: a failure is a StartError naming the setting to fix. An embedded database
 * that does not exist yet is opened by the first endpoint's creation.
 */
export async function openWebhookDatabase(
  database: WebhookDatabaseSettings,
  options: WebhookDatabaseOptions,
): Promise<WebhookStore> {
  if (database.url !== null) return openPostgres(database.url, options);
  const { dataDir } = database;
  if (existsSync(join(dataDir, 'pglite', 'PG_VERSION'))) return openEmbedded(dataDir, options);
  // Not opened now, but an operator is told now what the first endpoint's creation would meet.
  const problem = await unwritable(dataDir);
  if (problem)
    options.logger.warn(
      { dataDir: resolve(dataDir), problem },
      `DATA_DIR is not writable (${problem}): the embedded webhook database cannot be created there, so ` +
        'creating a webhook endpoint fails (SERVICE_UNAVAILABLE) until DATA_DIR is a folder the ' +
        "gateway's user may write to (a volume) or DATABASE_URL is set",
    );
  return lazyWebhookStore(() =>
    openEmbedded(dataDir, options).catch((error: unknown) => {
      throw lazyOpenFailure(error, options.logger);
    }),
  );
}

/**
 * What the caller of the first use meets when the embedded database cannot be opened: a failure the
 * operator can fix (a StartError: DATA_DIR, the key file) is SERVICE_UNAVAILABLE naming the settings,
 * with the cause in the operator's log; anything else is left as it is (a bug, masked and logged).
 */
function lazyOpenFailure(error: unknown, logger: Logger): unknown {
  if (!(error instanceof StartError)) return error;
  logger.error(
    { problem: error.message },
    'the embedded webhook database could not be created or opened in DATA_DIR: webhook endpoints cannot be created until this is fixed',
  );
  return embeddedDatabaseUnavailable(error instanceof DataDirError ? error.why : 'unopened');
}
