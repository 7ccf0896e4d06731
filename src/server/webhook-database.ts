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
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { lazyWebhookStore } from '../webhooks/store/lazy-webhook-store.js';
import type { WebhookDb } from '../webhooks/store/open-store.js';
import type { WebhookStore } from '../webhooks/webhook-store.js';
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
    if (newer.length > 0)
      logger.warn(
        { newer },
        `${where}: the database was migrated by a newer version of the gateway; this one runs on its schema (a rolling upgrade or a rollback)`,
      );
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
    }
    return store.storeOn(db, { key: options.encryptionKey, logger: options.logger });
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
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
  const key = await createKeyFile(path);
  options.logger.info({ path }, `generated the key that seals webhook secrets into ${path} (${KEY_SETTING} is unset)`);
  return key;
}

async function openEmbedded(dataDir: string, options: WebhookDatabaseOptions): Promise<WebhookStore> {
  const store = await import('../webhooks/store/open-store.js');
  const folder = join(dataDir, 'pglite');
  const db = await store.connectPglite(folder, options.logger);
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
  if (existsSync(join(database.dataDir, 'pglite', 'PG_VERSION'))) return openEmbedded(database.dataDir, options);
  return lazyWebhookStore(() => openEmbedded(database.dataDir, options));
}
