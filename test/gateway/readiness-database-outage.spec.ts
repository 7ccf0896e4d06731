/**
 * `/readyz` during an outage of the webhook database (operator trial: it stayed `{"ready":true,…}` with
 * no word of it while the webhook API answered SERVICE_UNAVAILABLE). Said as a Redis outage is: 200,
 * still ready (the gateway serves GraphQL), with `degraded` naming DATABASE_URL and what waits, never
 * its address or password; known from the store's own failing calls (no query of the probe's own), and
 * gone once the database answers again. Each change is one log line. PostgreSQL is reached through a
 * relay the test takes down and brings back.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstProblem, degradedOnly } from '../../src/server/readiness-response.js';
import { POSTGRES, POSTGRES_SKIP_REASON, POSTGRES_URL } from '../harness/postgres-available.js';
import { DEMO, eventually, type Stack } from '../harness/stack.js';
import { tcpRelay } from '../harness/tcp-relay.js';
import { startWebhookE2E, type WebhookE2E } from '../webhooks/e2e-stack.js';

const PASSWORD = 'a-password-that-must-not-show';
const DEGRADED =
  "The webhook database (DATABASE_URL) cannot be reached: webhook endpoints and deliveries, Together's download " +
  'links and createJob with an idempotencyKey are unavailable until it is back (deliveries wait); other queries, ' +
  'mutations and subscriptions are served.';
const server = new URL(POSTGRES_URL);
const relay = tcpRelay({ host: server.hostname, port: Number(server.port || 5432) });
const lines: Array<Record<string, any>> = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
const databaseLines = () =>
  lines
    .filter((l) => String(l['msg']).startsWith('the webhook database (DATABASE_URL)'))
    .map((l) => [l['level'], l['msg']]);
let e2e: WebhookE2E | undefined;
let stack: Stack;

beforeAll(async () => {
  if (!POSTGRES) return;
  await relay.open();
  e2e = await startWebhookE2E({
    logger,
    reach: (url) => {
      const through = new URL(url);
      through.host = `127.0.0.1:${relay.port()}`;
      through.password = PASSWORD;
      return through.toString();
    },
  });
  ({ stack } = e2e);
}, 60_000);
afterAll(async () => {
  await relay.open(); // back, if the test failed during the outage, so that the stack can close
  await e2e?.close();
  await relay.close();
});

async function readyz(): Promise<{ status: number; text: string; body: any }> {
  const res = await stack.gateway.yoga.fetch('http://gateway.test/readyz');
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

describe.skipIf(!POSTGRES)(`/readyz and the webhook database out of reach${POSTGRES_SKIP_REASON}`, () => {
  it('says it as degraded, still ready and serving GraphQL, then stops saying it once it is back', async () => {
    expect(await readyz()).toMatchObject({ status: 200, body: { ready: true } });
    expect((await readyz()).body).not.toHaveProperty('degraded');

    await relay.close();
    const during = await eventually(
      async () => {
        const r = await readyz();
        return r.body.degraded === undefined ? undefined : r;
      },
      15_000,
      'the outage said on /readyz',
    );
    expect(during.status).toBe(200);
    expect(during.body).toEqual({ ready: true, degraded: DEGRADED, upstream: expect.anything() });
    expect(during.text).not.toContain(PASSWORD);
    expect(during.text).not.toContain(String(relay.port()));
    // GraphQL is served meanwhile; the webhook API says what it cannot do.
    expect((await stack.gql('{ jobs(first: 1) { totalCount } }', {}, DEMO)).errors).toBeUndefined();
    const webhooks = await stack.gql('{ webhookEndpoints { id } }', {}, DEMO);
    expect(webhooks.errors?.[0]?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    expect((await readyz()).body.degraded).toBe(DEGRADED);

    await relay.open();
    await eventually(
      async () => ((await readyz()).body.degraded === undefined ? true : undefined),
      20_000,
      'the outage no longer said',
    );
    expect((await readyz()).body).toEqual({ ready: true, upstream: expect.anything() });
    expect(databaseLines()).toEqual([
      [40, `the webhook database (DATABASE_URL) cannot be reached: ${DEGRADED.slice(DEGRADED.indexOf(': ') + 2)}`],
      [30, 'the webhook database (DATABASE_URL) answers again: webhooks and download links are served'],
    ]);
    expect(JSON.stringify(lines)).not.toContain(PASSWORD);
  }, 60_000);
});

describe('several problems on /readyz', () => {
  it('one that keeps the gateway from serving wins; degradations are said together', () => {
    const redis = degradedOnly('Redis (REDIS_URL) cannot be reached.');
    const database = degradedOnly('The webhook database (DATABASE_URL) cannot be reached.');
    expect(firstProblem(null, null)).toBeNull();
    expect(firstProblem(null, database)).toBe(database);
    expect(firstProblem(redis, database)).toBe(
      degradedOnly('Redis (REDIS_URL) cannot be reached. The webhook database (DATABASE_URL) cannot be reached.'),
    );
    expect(firstProblem(database, 'REDIS_URL: the database is refused.')).toBe('REDIS_URL: the database is refused.');
  });
});
