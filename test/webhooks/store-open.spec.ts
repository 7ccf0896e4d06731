/**
 * Opening the webhook database as the gateway does (`openWebhookDatabase(settings.database, …)`):
 * the embedded PGlite in DATA_DIR, created only when the first endpoint is, persisted across a close
 * and a reopen, with its generated key (0600, its creation logged, never the key); PostgreSQL at
 * DATABASE_URL, migrated at open by instances starting together; and the key rules: no key with
 * endpoints stored refuses the start, a wrong key refuses the start, an unreachable database is a
 * StartError that shows no password.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartError } from '../../src/server/start-error.js';
import { openWebhookDatabase } from '../../src/server/webhook-database.js';
import { tracesIn } from '../harness/secret-traces.js';
import {
  POSTGRES,
  POSTGRES_SKIP_REASON,
  scratchDatabase,
  type ScratchDatabase,
} from '../harness/postgres-available.js';
import { OPEN_TIMEOUT_MS, T0, freshOwner, newEndpoint } from './store-backends.js';

function capturedLogger() {
  const lines: string[] = [];
  return { lines, logger: pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) }) };
}

const keyForms = (key: Buffer) => [key.toString('base64'), key.toString('hex'), key.toString('base64url')];

describe('the embedded database (PGlite) in DATA_DIR', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ftgw-webhooks-'));
  const folder = join(dataDir, 'pglite');
  const keyPath = join(dataDir, 'webhook.key');
  const owner = freshOwner();
  const input = newEndpoint(owner);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(
    'opens nothing until the first endpoint, then creates the database and a key only it can read',
    async () => {
      const { lines, logger } = capturedLogger();
      const store = await openWebhookDatabase({ url: null, dataDir }, { logger, encryptionKey: null });
      try {
        expect(await store.listEndpoints(owner)).toEqual([]);
        expect(await store.watchedEndpoints(T0)).toEqual([]);
        expect(await store.claimDue('instance', 10, 60_000, T0)).toEqual([]);
        expect(await store.endpointCount()).toBe(0);
        expect(existsSync(folder)).toBe(false);
        expect(existsSync(keyPath)).toBe(false);

        const endpoint = await store.createEndpoint(input, 10, T0);
        expect(existsSync(join(folder, 'PG_VERSION'))).toBe(true);
        expect(statSync(keyPath).mode & 0o777).toBe(0o600);
        expect(await store.getEndpoint(owner, endpoint.id)).toEqual(endpoint);
        expect(lines.join('')).toContain(`generated the key that seals webhook secrets into ${keyPath}`);
        const { readKeyFile } = await import('../../src/webhooks/store/key-file.js');
        const key = (await readKeyFile(keyPath))!;
        expect(tracesIn(lines.join('\n'), [...keyForms(key), input.signingSecret, input.credentials.token])).toEqual(
          [],
        );
      } finally {
        await store.close();
      }
    },
    OPEN_TIMEOUT_MS,
  );

  it(
    'keeps the endpoints and their secrets across a close and a reopen, opened at start this time',
    async () => {
      const { lines, logger } = capturedLogger();
      const store = await openWebhookDatabase({ url: null, dataDir }, { logger, encryptionKey: null });
      try {
        expect(lines.join('')).toContain('opened the embedded database (PGlite) of webhooks');
        expect(lines.join('')).not.toContain('generated the key');
        const [endpoint] = await store.listEndpoints(owner);
        expect(endpoint).toMatchObject({ url: input.url, description: input.description });
        const watched = (await store.watchedEndpoints(T0)).find((e) => e.id === endpoint!.id);
        expect(watched).toMatchObject({ signingSecrets: [input.signingSecret], credentials: input.credentials });
      } finally {
        await store.close();
      }
    },
    OPEN_TIMEOUT_MS,
  );

  it(
    'refuses to start with a key that does not open what is stored, or without the generated key',
    async () => {
      const wrong = randomBytes(32);
      const refusal = await openWebhookDatabase(
        { url: null, dataDir },
        { logger: pino({ level: 'silent' }), encryptionKey: wrong },
      ).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(StartError);
      expect((refusal as Error).message).toMatch(/WEBHOOK_ENCRYPTION_KEY does not open the webhook secrets stored/);
      expect(tracesIn((refusal as Error).message, keyForms(wrong))).toEqual([]);

      await rename(keyPath, `${keyPath}.away`);
      try {
        const missing = await openWebhookDatabase(
          { url: null, dataDir },
          { logger: pino({ level: 'silent' }), encryptionKey: null },
        ).catch((e: unknown) => e);
        expect(missing).toBeInstanceOf(StartError);
        expect((missing as Error).message).toMatch(
          /webhook\.key is missing, but the embedded database holds 1 webhook endpoint/,
        );
        expect(existsSync(keyPath)).toBe(false);
      } finally {
        await rename(`${keyPath}.away`, keyPath);
      }

      // The generated key given as WEBHOOK_ENCRYPTION_KEY opens the same database.
      const { readKeyFile } = await import('../../src/webhooks/store/key-file.js');
      const store = await openWebhookDatabase(
        { url: null, dataDir },
        { logger: pino({ level: 'silent' }), encryptionKey: await readKeyFile(keyPath) },
      );
      try {
        expect(await store.signingSecrets((await store.listEndpoints(owner))[0]!.id, T0)).toEqual([
          input.signingSecret,
        ]);
      } finally {
        await store.close();
      }
    },
    OPEN_TIMEOUT_MS,
  );
});

describe.skipIf(!POSTGRES)(`PostgreSQL at DATABASE_URL${POSTGRES_SKIP_REASON}`, () => {
  let scratch: ScratchDatabase;
  const silent = { logger: pino({ level: 'silent' }) };
  const key = randomBytes(32);
  const owner = freshOwner();
  const input = newEndpoint(owner);

  beforeAll(async () => {
    scratch = await scratchDatabase();
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('migrates once when two instances start together, and refuses endpoints without a key', async () => {
    const [first, second] = await Promise.all([
      openWebhookDatabase({ url: scratch.url, dataDir: '/nonexistent' }, { ...silent, encryptionKey: null }),
      openWebhookDatabase({ url: scratch.url, dataDir: '/nonexistent' }, { ...silent, encryptionKey: null }),
    ]);
    try {
      expect(await first.endpointCount()).toBe(0);
      const refusal = (await second.createEndpoint(input, 10, T0).catch((e: unknown) => e)) as GraphQLError;
      expect(refusal.extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(refusal.message).toMatch(/must set WEBHOOK_ENCRYPTION_KEY/);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('refuses to start without the key, or with another key, once endpoints are stored', async () => {
    const store = await openWebhookDatabase(
      { url: scratch.url, dataDir: '/nonexistent' },
      { ...silent, encryptionKey: key },
    );
    await store.createEndpoint(input, 10, T0);
    await store.close();

    const keyless = await openWebhookDatabase(
      { url: scratch.url, dataDir: '/nonexistent' },
      { ...silent, encryptionKey: null },
    ).catch((e: unknown) => e);
    expect(keyless).toBeInstanceOf(StartError);
    expect((keyless as Error).message).toMatch(
      /^WEBHOOK_ENCRYPTION_KEY is not set, but the database at DATABASE_URL holds 1 webhook endpoint whose secrets it sealed/,
    );

    const wrong = randomBytes(32);
    const mismatch = await openWebhookDatabase(
      { url: scratch.url, dataDir: '/nonexistent' },
      { ...silent, encryptionKey: wrong },
    ).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(StartError);
    expect((mismatch as Error).message).toMatch(/^WEBHOOK_ENCRYPTION_KEY does not open the webhook secrets stored/);
    expect(tracesIn((mismatch as Error).message, [...keyForms(wrong), ...keyForms(key)])).toEqual([]);

    const again = await openWebhookDatabase(
      { url: scratch.url, dataDir: '/nonexistent' },
      { ...silent, encryptionKey: key },
    );
    try {
      const [endpoint] = await again.listEndpoints(owner);
      expect(await again.signingSecrets(endpoint!.id, T0)).toEqual([input.signingSecret]);
    } finally {
      await again.close();
    }
  });

  it('lets the key change while no endpoint is stored; an instance on the old key then refuses to create one', async () => {
    const old = await openWebhookDatabase(
      { url: scratch.url, dataDir: '/nonexistent' },
      { ...silent, encryptionKey: key },
    );
    try {
      const [endpoint] = await old.listEndpoints(owner);
      await old.deleteEndpoint(owner, endpoint!.id);
      const next = await openWebhookDatabase(
        { url: scratch.url, dataDir: '/nonexistent' },
        { ...silent, encryptionKey: randomBytes(32) },
      );
      try {
        await expect(next.createEndpoint(newEndpoint(owner), 10, T0)).resolves.toMatchObject({ state: 'active' });
        const refusal = (await old.createEndpoint(newEndpoint(owner), 10, T0).catch((e: unknown) => e)) as GraphQLError;
        expect(refusal.extensions.code).toBe('SERVICE_UNAVAILABLE');
        expect(refusal.message).toMatch(
          /WEBHOOK_ENCRYPTION_KEY is not the key the stored webhook secrets were sealed with/,
        );
        expect(await next.endpointCount()).toBe(1);
      } finally {
        await next.close();
      }
    } finally {
      await old.close();
    }
  });
});

describe('an unreachable DATABASE_URL', () => {
  const key = randomBytes(32);
  const silent = { logger: pino({ level: 'silent' }) };

  it('reports a database it cannot reach as a StartError naming DATABASE_URL, without the password', async () => {
    const refusal = await openWebhookDatabase(
      { url: 'postgres://gateway:hunter2-not-shown@127.0.0.1:1/gateway', dataDir: '/nonexistent' },
      { ...silent, encryptionKey: key },
    ).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(StartError);
    expect((refusal as Error).message).toMatch(
      /^DATABASE_URL \(127\.0\.0\.1:1\/gateway\): the database could not be opened/,
    );
    expect((refusal as Error).message).not.toContain('hunter2');
  });
});
