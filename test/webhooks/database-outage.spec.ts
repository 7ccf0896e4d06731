/**
 * The webhook database (DATABASE_URL) out of reach: the webhook API answers SERVICE_UNAVAILABLE,
 * naming the setting and saying whether anything may have changed, instead of a masked "Unexpected
 * error."; no database address or password in it; and once PostgreSQL is back the same calls work,
 * and a job that finished during the outage is still delivered. PostgreSQL is reached through a relay
 * the test takes down and brings back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { POSTGRES, POSTGRES_SKIP_REASON, POSTGRES_URL } from '../harness/postgres-available.js';
import { DEMO, eventually, type Stack } from '../harness/stack.js';
import { tcpRelay, type TcpRelay } from '../harness/tcp-relay.js';
import type { WebhookReceiver } from '../harness/event-receiver.js';
import { startWebhookE2E, type WebhookE2E } from './e2e-stack.js';

const JOB_SECONDS = 1_000;
const clock = manualClock(JOB_SECONDS);
const LIST = '{ webhookEndpoints { id state } }';
const CREATE =
  'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id state } } }';

const server = new URL(POSTGRES_URL);
const relay: TcpRelay = tcpRelay({ host: server.hostname, port: Number(server.port || 5432) });
let e2e: WebhookE2E | undefined;
let stack: Stack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  if (!POSTGRES) return;
  await relay.open();
  e2e = await startWebhookE2E({
    simulator: { jobSeconds: JOB_SECONDS, now: clock.now },
    // The scratch database through the relay, with a password the answers must not show.
    reach: (url) => {
      const through = new URL(url);
      through.host = `127.0.0.1:${relay.port()}`;
      through.password = 'a-password-that-must-not-show';
      return through.toString();
    },
  });
  ({ stack, receiver } = e2e);
}, 60_000);
afterAll(async () => {
  await relay.open(); // back, if the test failed during the outage, so that the stack can close
  await e2e?.close();
  await relay.close();
});

describe.skipIf(!POSTGRES)(`the webhook database out of reach${POSTGRES_SKIP_REASON}`, () => {
  it('is SERVICE_UNAVAILABLE naming DATABASE_URL, then works again, and nothing is lost', async () => {
    const created = await stack.gql(CREATE, { i: { url: receiver.url, events: ['JOB_COMPLETED'] } }, DEMO);
    expect(created.errors).toBeUndefined();
    const { datasetId } = await seedDataset(stack, DEMO);
    const job = await stack.client.createJob(DEMO, {
      name: 'finishes during the outage',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    clock.at(job, 0.3);

    await relay.close();
    clock.at(job, 1.5);
    const NOT_CONNECTED =
      "This gateway's database (DATABASE_URL) cannot be reached: nothing was read or changed. Try again shortly.";
    const unavailable = (answer: Awaited<ReturnType<Stack['gql']>>) => {
      expect(answer.errors).toHaveLength(1);
      expect(answer.errors![0]!.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
      expect(JSON.stringify(answer)).not.toContain(String(relay.port()));
      expect(JSON.stringify(answer)).not.toContain('a-password-that-must-not-show');
      return answer.errors![0]!.message;
    };
    // A pooled connection the pool has not yet seen closed is lost under the read; once none is
    // left, the read cannot connect at all.
    await eventually(
      async () => {
        const message = unavailable(await stack.gql(LIST, {}, DEMO));
        if (message === NOT_CONNECTED) return true;
        expect(message).toBe('This gateway lost its database (DATABASE_URL) during the operation. Try again shortly.');
        return undefined;
      },
      10_000,
      'a read that cannot connect',
    );
    const refused = await stack.gql(CREATE, { i: { url: receiver.url, events: ['JOB_FAILED'] } }, DEMO);
    expect(unavailable(refused)).toBe(NOT_CONNECTED);
    expect(receiver.received).toHaveLength(0);

    await relay.open();
    const back = await eventually(
      async () => {
        const res = await stack.gql(LIST, {}, DEMO);
        return res.errors ? undefined : res;
      },
      15_000,
      'the endpoints listed again',
    );
    expect(back.data!.webhookEndpoints).toEqual([
      { id: created.data!.createWebhookEndpoint.endpoint.id, state: 'ACTIVE' },
    ]);
    const delivered = await eventually(
      () => receiver.received.find((r) => JSON.parse(r.body).type === 'JOB_COMPLETED'),
      20_000,
      'the completion delivered',
    );
    expect(JSON.parse(delivered.body).data.job.id).toBe(job.id);
  }, 60_000);
});
