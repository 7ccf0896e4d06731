/**
 * The embedded database (DATABASE_URL unset) in a DATA_DIR the gateway may not write to, as in a
 * container whose app folder is root's while the process runs as another user (or whose root
 * filesystem is read-only). Before the fix the gateway started without a word, and the first
 * createWebhookEndpoint answered a masked INTERNAL_SERVER_ERROR "Unexpected error." (the log:
 * `EACCES: permission denied, mkdir '.data'`). Now the start warns, naming DATA_DIR, and the creation
 * answers SERVICE_UNAVAILABLE naming DATA_DIR and DATABASE_URL, the cause in the operator's log; a
 * database that exists there already but cannot be opened refuses the start, naming DATA_DIR.
 *
 * In-process, DATA_DIR below a plain file (not a folder: any user). As its own process dropped to
 * `nobody` (only where the tests run as root), a root-owned folder, as in the image.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openWebhookDatabase } from '../../src/server/webhook-database.js';
import { startGatewayProcess, type GatewayProcess } from '../harness/gateway-process.js';
import { DEMO, headersFor, startStack } from '../harness/stack.js';
import { OPEN_TIMEOUT_MS } from './store-backends.js';

const CREATE = 'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }';
const UNWRITABLE =
  'This gateway cannot create its embedded webhook database: its DATA_DIR is not a folder it may write to: ' +
  'nothing was changed. Its operator must set DATA_DIR to a writable folder (a volume), or DATABASE_URL to a ' +
  'PostgreSQL database.';
const WARNED =
  /^DATA_DIR is not writable \(.+\): the embedded webhook database cannot be created there, so creating a webhook endpoint fails \(SERVICE_UNAVAILABLE\) until DATA_DIR is a folder the gateway's user may write to \(a volume\) or DATABASE_URL is set$/;

function capturedLogger() {
  const lines: Array<Record<string, any>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { lines, logger };
}

const scratch = mkdtempSync(join(tmpdir(), 'ftgw-datadir-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a DATA_DIR that is not a folder the gateway may write to', () => {
  const file = join(scratch, 'a-file');
  writeFileSync(file, 'not a folder');
  const dataDir = join(file, 'data');

  it('warns at start, and answers the first endpoint SERVICE_UNAVAILABLE naming DATA_DIR and DATABASE_URL', async () => {
    const { lines, logger } = capturedLogger();
    const stack = await startStack({
      env: { DATA_DIR: dataDir, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' },
      logger,
    });
    try {
      // Reads answer what an empty database would, as before: nothing is opened for them.
      expect((await stack.gql('{ webhookEndpoints { id } }', {}, DEMO)).data).toEqual({ webhookEndpoints: [] });

      const refused = await stack.gql(CREATE, { i: { url: 'http://127.0.0.1:9/hook', events: ['JOB_COMPLETED'] } });
      expect(refused.errors).toEqual([
        expect.objectContaining({ message: UNWRITABLE, extensions: { code: 'SERVICE_UNAVAILABLE' } }),
      ]);
      // The path is the operator's, in the log, not the caller's.
      expect(JSON.stringify(refused)).not.toContain(scratch);
      const logged = lines.filter((line) => line.msg.startsWith('the embedded webhook database could not be'));
      expect(logged).toEqual([
        expect.objectContaining({ level: 50, problem: expect.stringContaining(`DATA_DIR (${dataDir})`) }),
      ]);
      expect(lines.filter((line) => line.msg === 'Unexpected error.' || line.level >= 50)).toEqual(logged);
      // And the start had said so.
      const warned = lines.filter((line) => WARNED.test(line.msg));
      expect(warned).toEqual([expect.objectContaining({ level: 40, problem: `${file} is not a folder` })]);
    } finally {
      await stack.close();
    }
  }, 60_000);

  it('says nothing at start when DATA_DIR may be created', async () => {
    const { lines, logger } = capturedLogger();
    const store = await openWebhookDatabase(
      { url: null, dataDir: join(scratch, 'missing', 'data') },
      { logger, encryptionKey: null },
    );
    await store.close();
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
  });
});

const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

/** The gateway as its own process, dropped to nobody before anything loads (as the image's `node` user). */
const asNobody = (env: Record<string, string>) =>
  startGatewayProcess(env, [
    '--import',
    `data:text/javascript,process.setgroups([]);process.setgid(${NOBODY});process.setuid(${NOBODY})`,
    '--import',
    'tsx',
    'src/server/main.ts',
  ]);

describe.skipIf(!ROOT)(
  `the gateway as an unprivileged user, DATA_DIR in a root-owned folder${ROOT ? '' : ' (SKIPPED: needs root to run the gateway as nobody)'}`,
  () => {
    // Root's, readable by all, as the image's /app.
    const app = join(scratch, 'app');
    // DATABASE_URL empty: unset, whatever the test's environment holds (the embedded database).
    const env = { HOME: tmpdir(), WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', METRICS_ENABLED: 'false', DATABASE_URL: '' };
    let gateway: GatewayProcess | undefined;
    afterAll(async () => {
      await gateway?.stop();
    });

    it('starts with a warning, then answers SERVICE_UNAVAILABLE, never "Unexpected error."', async () => {
      mkdirSync(app, { recursive: true });
      chmodSync(scratch, 0o755);
      chmodSync(app, 0o755);
      const running = await asNobody({ ...env, DATA_DIR: join(app, '.data') });
      gateway = running;
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headersFor(DEMO) },
        body: JSON.stringify({
          query: CREATE,
          variables: { i: { url: 'http://127.0.0.1:9/c', events: ['JOB_COMPLETED'] } },
        }),
      });
      const body = (await response.json()) as { errors?: Array<{ message: string; extensions?: object }> };
      expect(body.errors).toEqual([
        expect.objectContaining({ message: UNWRITABLE, extensions: { code: 'SERVICE_UNAVAILABLE' } }),
      ]);
      expect(running.output()).not.toContain('Unexpected error.');
      // And the start had said so.
      const logged = running
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, any>);
      expect(logged.filter((line) => WARNED.test(line.msg))).toEqual([
        expect.objectContaining({ level: 40, problem: `EACCES: permission denied, access '${app}'` }),
      ]);

      await running.stop();
      gateway = undefined;
    }, 120_000);

    it(
      'refuses to start, naming DATA_DIR, when the database there exists but cannot be opened',
      async () => {
        // A database made by root (an earlier run, a volume populated by another user).
        const dataDir = join(app, 'made-by-root');
        const made = await openWebhookDatabase(
          { url: null, dataDir },
          { logger: pino({ level: 'silent' }), encryptionKey: null },
        );
        await made.createEndpoint(
          {
            provider: 'nscale',
            ownerKey: 'org',
            url: 'https://receiver.example/hook',
            events: ['JOB_COMPLETED'],
            description: null,
            signingSecret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0',
            credentials: { token: 't', organizationId: 'org' },
            baseline: [],
          },
          10,
          new Date(),
        );
        await made.close();
        chmodSync(dataDir, 0o755);

        const refused = await asNobody({ ...env, DATA_DIR: dataDir }).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(Error);
        expect((refused as Error).message).toContain(`DATA_DIR (${dataDir}): EACCES: permission denied`);
        expect((refused as Error).message).toContain(
          "Set DATA_DIR to a folder the gateway's user may write to (a volume), or DATABASE_URL to a PostgreSQL database.",
        );
      },
      OPEN_TIMEOUT_MS,
    );
  },
);
