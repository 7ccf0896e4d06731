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
import {
  POSTGRES,
  POSTGRES_SKIP_REASON,
  scratchDatabase,
  type ScratchDatabase,
} from '../harness/postgres-available.js';
import { DEMO, eventually, type Stack } from '../harness/stack.js';
import { tcpRelay, type TcpRelay } from '../harness/tcp-relay.js';
import type { WebhookReceiver } from '../harness/event-receiver.js';
import { startWebhookE2E, type WebhookE2E } from './e2e-stack.js';

const JOB_SECONDS = 1_000;
const clock = manualClock(JOB_SECONDS);
const LIST = '{ webhookEndpoints { id state } }';
const CREATE =
  'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id state } } }';

let relay: TcpRelay;
let database: ScratchDatabase;
let e2e: WebhookE2E | undefined;
let stack: Stack;
let receiver: WebhookReceiver;
let databaseUrl: string;

beforeAll(async () => {
  if (!POSTGRES) return;
  // The spec's own database, reached through the relay; startWebhookE2E's scratch one goes unused.
  database = await scratchDatabase();
  const target = new URL(database.url);
  relay = tcpRelay({ host: target.hostname, port: Number(target.port || 5432) });
  await relay.open();
  const through = new URL(database.url);
  through.host = `127.0.0.1:${relay.port()}`;
  through.password = 'a-password-that-must-not-show';
  databaseUrl = through.toString();
  e2e = await startWebhookE2E({
    simulator: { jobSeconds: JOB_SECONDS, now: clock.now },
    env: { DATABASE_URL: databaseUrl },
  });
  ({ stack, receiver } = e2e);
}, 60_000);
afterAll(async () => {
  await relay?.open().catch(() => undefined);
  await e2e?.close();
  await relay?.close();
  await database?.drop();
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
    const listed = await stack.gql(LIST, {}, DEMO);
    const refused = await stack.gql(CREATE, { i: { url: receiver.url, events: ['JOB_FAILED'] } }, DEMO);
    for (const answer of [listed, refused]) {
      expect(answer.errors).toHaveLength(1);
      expect(answer.errors![0]!.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
      expect(answer.errors![0]!.message).toBe(
        "This gateway's webhook database (DATABASE_URL) cannot be reached: nothing was read or changed. Try again shortly.",
      );
      expect(JSON.stringify(answer)).not.toContain(String(relay.port()));
      expect(JSON.stringify(answer)).not.toContain('a-password-that-must-not-show');
    }
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
