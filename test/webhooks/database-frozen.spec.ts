/**
 * The webhook database (DATABASE_URL) frozen: its connections stay open and nothing answers (a
 * PostgreSQL stopped with SIGSTOP, a network path that drops packets). A webhook API call answers
 * SERVICE_UNAVAILABLE within the store's query bound instead of hanging until the database comes back
 * (before the fix: 12 min 56 s in an operator's trial), and a scrape of the metrics answers promptly,
 * the backlog gauges NaN and the rest of the metrics there (before: each scrape took 10 s, Prometheus's
 * default scrape timeout, and the instance's metrics went missing). Once the database answers again,
 * so does the API. PostgreSQL is reached through a relay that the test freezes and thaws.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import { POSTGRES, POSTGRES_SKIP_REASON, POSTGRES_URL } from '../harness/postgres-available.js';
import { DEMO, eventually, type Stack } from '../harness/stack.js';
import { startWebhookE2E, type WebhookE2E } from './e2e-stack.js';

const LIST = '{ webhookEndpoints { id state } }';
const CREATE =
  'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id state } } }';
const UNAVAILABLE = [
  "This gateway's database (DATABASE_URL) cannot be reached: nothing was read or changed. Try again shortly.",
  'This gateway lost its database (DATABASE_URL) during the operation. Try again shortly.',
  'This gateway lost its database (DATABASE_URL) during the operation: the change may or may not have been made. Read it back before trying again.',
];
/** Generous ceilings on a loaded machine: the bounds are 5 s (a query) and 1.5 s (a scrape's read of the backlog). */
const API_CEILING_MS = 15_000;
/** Under Prometheus's default scrape timeout (10 s). */
const SCRAPE_CEILING_MS = 8_000;

/** A TCP relay that, frozen, keeps every connection open (and accepts new ones) but forwards nothing. */
function freezableRelay(target: { host: string; port: number }) {
  let frozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => (frozen ? held.push(() => to.write(chunk)) : to.write(chunk)));
    forward(client, upstream);
    forward(upstream, client);
  });
  return {
    listen: () => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
    port: () => (server.address() as AddressInfo).port,
    freeze: () => void (frozen = true),
    thaw() {
      frozen = false;
      for (const write of held.splice(0)) write();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `promise`, or a rejection saying what did not answer within `ms`. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const server = new URL(POSTGRES_URL);
const relay = freezableRelay({ host: server.hostname, port: Number(server.port || 5432) });
let e2e: WebhookE2E | undefined;
let stack: Stack;

beforeAll(async () => {
  if (!POSTGRES) return;
  await relay.listen();
  e2e = await startWebhookE2E({
    http: true,
    gateway: { metrics: createGatewayMetrics({ processMetrics: false }) },
    reach: (url) => {
      const through = new URL(url);
      through.host = `127.0.0.1:${relay.port()}`;
      return through.toString();
    },
  });
  ({ stack } = e2e);
}, 60_000);
afterAll(async () => {
  relay.thaw(); // if the test failed while frozen, so that the stack can close
  await e2e?.close();
  await relay.close();
});

/** One scrape of the metrics listener: how long it took, and its lines by name. */
async function scrape(): Promise<{ ms: number; values: Map<string, string> }> {
  const started = Date.now();
  const text = await within(
    SCRAPE_CEILING_MS,
    'the metrics scrape',
    (async () => {
      const response = await fetch(stack.metricsServer!.url);
      return response.text();
    })(),
  );
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), line.slice(at + 1));
  }
  return { ms: Date.now() - started, values };
}

describe.skipIf(!POSTGRES)(`the webhook database frozen${POSTGRES_SKIP_REASON}`, () => {
  it('answers SERVICE_UNAVAILABLE within the bound, serves the metrics promptly, then works again', async () => {
    const hook = { url: 'http://127.0.0.1:9/hook', events: ['JOB_COMPLETED'] };
    const created = await stack.gql(CREATE, { i: hook }, DEMO);
    expect(created.errors).toBeUndefined();
    const before = await scrape();
    expect(before.values.get('gateway_webhook_deliveries_due')).toBe('0');

    relay.freeze();
    const unavailable = (answer: Awaited<ReturnType<Stack['gql']>>) => {
      expect(answer.errors).toHaveLength(1);
      expect(answer.errors![0]!.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
      expect(UNAVAILABLE).toContain(answer.errors![0]!.message);
    };
    // A read and a change (a transaction) at once, and a scrape meanwhile.
    const [read, change, during] = await Promise.all([
      within(API_CEILING_MS, 'webhookEndpoints', stack.gql(LIST, {}, DEMO)),
      within(API_CEILING_MS, 'createWebhookEndpoint', stack.gql(CREATE, { i: hook }, DEMO)),
      scrape(),
    ]);
    unavailable(read);
    unavailable(change);
    expect(during.values.get('gateway_webhook_deliveries_due')).toBe('Nan');
    expect(during.values.get('gateway_webhook_oldest_due_seconds')).toBe('Nan');
    expect(during.values.get('gateway_webhook_attempts_total{outcome="delivered"}')).toBe('0');
    expect(during.values.has('gateway_tcp_connections')).toBe(true);
    // A scrape while the database stays frozen is as prompt.
    const again = await scrape();
    expect(again.values.get('gateway_webhook_deliveries_due')).toBe('Nan');

    relay.thaw();
    const back = await eventually(
      async () => {
        const answer = await stack.gql(LIST, {}, DEMO);
        return answer.errors ? undefined : answer;
      },
      20_000,
      'the endpoints listed again',
    );
    expect(back.data!.webhookEndpoints).toContainEqual({
      id: created.data!.createWebhookEndpoint.endpoint.id,
      state: 'ACTIVE',
    });
    await eventually(
      async () => ((await scrape()).values.get('gateway_webhook_deliveries_due') === '0' ? true : undefined),
      20_000,
      'the backlog read again',
    );
  }, 90_000);
});
