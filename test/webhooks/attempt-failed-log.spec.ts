/**
 * The trial's finding: the operator's "webhook attempt failed" line said neither the status the
 * endpoint answered nor the error, so the log alone could not say why deliveries failed. It now has
 * the delivery, the endpoint, the attempt's number, the status (null when none came), the error (the
 * gateway's own words when no answer came; only the status when one did: the receiver's body stays
 * in `webhookDeliveries`), and when the next attempt is due; never a secret.
 */
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { POSTGRES, POSTGRES_SKIP_REASON } from '../harness/postgres-available.js';
import { tracesIn } from '../harness/secret-traces.js';
import { DEMO, eventually, type Stack } from '../harness/stack.js';
import type { WebhookReceiver } from '../harness/event-receiver.js';
import { startWebhookE2E, type WebhookE2E } from './e2e-stack.js';

/** What the failing receiver answers in its body: kept in the attempt, never in the operator's log. */
const RECEIVER_TEXT = 'receiver-private-text-4f9c';
const CREATE =
  'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } signingSecret } }';
const DELIVERIES =
  'query($e: ID!) { webhookDeliveries(endpoint: $e) { edges { node { id attempts { responseCode error } } } } }';

const lines: string[] = [];
let e2e: WebhookE2E | undefined;
let stack: Stack;
let receiver: WebhookReceiver;

/** A loopback port nothing listens on (a server's, closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  if (!POSTGRES) return;
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  e2e = await startWebhookE2E({
    logger,
    respond: (received) => (received.path.endsWith('/gone') ? 410 : { status: 500, body: RECEIVER_TEXT }),
    env: { WEBHOOK_RETRY_SCHEDULE: '1h' },
  });
  ({ stack, receiver } = e2e);
}, 60_000);
afterAll(() => e2e?.close());

async function register(url: string) {
  const created = await stack.gql(CREATE, { i: { url, events: ['JOB_CREATED'] } }, DEMO);
  expect(created.errors).toBeUndefined();
  return created.data!.createWebhookEndpoint as { endpoint: { id: string }; signingSecret: string };
}

/** The parsed "webhook attempt failed" line of an endpoint, once logged. */
const failedLine = (endpointId: string) =>
  eventually(
    () =>
      lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.msg === 'webhook attempt failed' && line.endpointId === endpointId),
    20_000,
    `the failed attempt of ${endpointId} logged`,
  );

describe.skipIf(!POSTGRES)(`the log line of a failed webhook attempt${POSTGRES_SKIP_REASON}`, () => {
  it('says which attempt failed and why, with no secret and none of the receiver’s words', async () => {
    const answering = await register(`${receiver.url}/fail`);
    const gone = await register(`${receiver.url}/gone`);
    const silent = await register(`http://127.0.0.1:${await closedPort()}/hooks`);
    const { datasetId } = await seedDataset(stack, DEMO);
    await stack.client.createJob(DEMO, {
      name: 'logged',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });

    const answered = await failedLine(answering.endpoint.id);
    const listed = await stack.gql(DELIVERIES, { e: answering.endpoint.id }, DEMO);
    const [delivery] = listed.data!.webhookDeliveries.edges.map((e: { node: unknown }) => e.node);
    // The owner reads the receiver's answer in the attempt; the operator's line has its status.
    expect(delivery.attempts).toEqual([{ responseCode: 500, error: `HTTP 500: ${RECEIVER_TEXT}` }]);
    expect(answered).toMatchObject({
      level: 30,
      deliveryId: delivery.id,
      endpointId: answering.endpoint.id,
      attempt: 1,
      outcome: 'failed',
      responseCode: 500,
      error: 'HTTP 500',
      durationMs: expect.any(Number),
      retryAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    expect(await failedLine(gone.endpoint.id)).toMatchObject({
      attempt: 1,
      outcome: 'gone',
      responseCode: 410,
      error: 'HTTP 410: the endpoint is now DISABLED',
      retryAt: null,
    });
    expect(await failedLine(silent.endpoint.id)).toMatchObject({
      deliveryId: expect.stringMatching(/^msg_/),
      attempt: 1,
      outcome: 'failed',
      responseCode: null,
      error: 'connection refused (ECONNREFUSED)',
    });

    const logged = lines.filter((line) => line.includes('webhook attempt failed')).join('\n');
    expect(logged).not.toContain(RECEIVER_TEXT);
    const secrets = [answering.signingSecret, gone.signingSecret, silent.signingSecret, DEMO.token];
    expect(tracesIn(logged, secrets)).toEqual([]);
  }, 60_000);
});
