/**
 * Issue 20's delivery guarantee across a fleet: two gateway processes on one Redis and one
 * PostgreSQL, one endpoint, one job run to completion. The receiver answers the job's JOB_RUNNING
 * delivery 500 the first time; when the retry arrives, the instance sending it is killed with
 * SIGKILL before it hears back (its lease on the delivery stays in the database). The survivor must
 * claim the delivery once the lease has expired and deliver it (answered 200), and the job's later
 * moves, seen after the kill, must reach the receiver too. Counted from the receiver: exactly one
 * 2xx-acknowledged delivery per event id, and every event of the run acknowledged; the delivery's
 * attempts show the one cut short by the kill as INTERRUPTED (interrupted-attempt.spec.ts has more).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../../src/upstream/client.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { logLines, startGatewayProcess, type GatewayProcess } from '../harness/gateway-process.js';
import { manualClock } from '../harness/manual-clock.js';
import { eventually } from '../harness/stack.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';
import {
  POSTGRES,
  POSTGRES_SKIP_REASON,
  scratchDatabase,
  type ScratchDatabase,
} from '../harness/postgres-available.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../harness/event-receiver.js';

const JOB_SECONDS = 1_000;
const RUN = REDIS && POSTGRES;
const SKIP = REDIS ? POSTGRES_SKIP_REASON : REDIS_SKIP_REASON;
const suffix = randomBytes(4).toString('hex');
const TENANT = { token: `kill9-token-${suffix}`, organizationId: `kill9-org-${suffix}` };
const HEADERS = {
  'content-type': 'application/json',
  authorization: `Bearer ${TENANT.token}`,
  'x-organization-id': TENANT.organizationId,
};

const clock = manualClock(JOB_SECONDS);
let simulator: Simulator;
let client: ClosableUpstreamClient;
let receiver: WebhookReceiver;
let gateways: GatewayProcess[] = [];
let database: ScratchDatabase;

/** Deliveries of the target event id the receiver has seen, and who sent the retry. */
const target = { id: null as string | null, killed: null as GatewayProcess | null };

async function senderOf(deliveryId: string, attempt: number): Promise<GatewayProcess> {
  return eventually(
    () =>
      gateways.find((g) =>
        logLines(g.output(), 'webhook attempt').some((l) => l.deliveryId === deliveryId && l.attempt === attempt),
      ),
    5_000,
    `the instance that sent attempt ${attempt} of ${deliveryId}`,
  );
}

async function respond(received: ReceivedWebhook): Promise<number> {
  const body = JSON.parse(received.body) as { type: string };
  const id = String(received.headers['webhook-id']);
  if (body.type !== 'JOB_RUNNING' || (target.id !== null && target.id !== id)) return 200;
  target.id = id;
  const seen = receiver.received.filter((r) => r.headers['webhook-id'] === id).length;
  if (seen === 1) return 500;
  if (seen === 2) {
    const sender = await senderOf(id, 2);
    target.killed = sender;
    sender.child.kill('SIGKILL');
    await sender.exited;
    return 500; // Never heard: the sender's socket died with it.
  }
  return 200;
}

beforeAll(async () => {
  if (!RUN) return;
  database = await scratchDatabase();
  simulator = await startSimulator({ port: 0, jobSeconds: JOB_SECONDS, now: clock.now, tenants: [TENANT] });
  client = createUpstreamClient({ baseUrl: simulator.apiBaseUrl, deadlineMs: 5_000 });
  receiver = await startWebhookReceiver(respond);
  const env = {
    NSCALE_API_URL: simulator.apiBaseUrl,
    REDIS_URL,
    DATABASE_URL: database.url,
    WEBHOOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_RETRY_SCHEDULE: '200ms,200ms,200ms,200ms',
    WEBHOOK_ATTEMPT_TIMEOUT_MS: '1000',
    WEBHOOK_SCAN_MS: '100',
    WEBHOOK_ENDPOINT_RESCAN_MS: '200',
    POLL_INTERVAL_LIST_MS: '200',
    METRICS_ENABLED: 'false',
    LOG_LEVEL: 'debug',
  };
  // One first, so that its migrations have run when the second starts (each would wait anyway).
  gateways = [await startGatewayProcess(env)];
  gateways.push(await startGatewayProcess(env));
}, 120_000);
afterAll(async () => {
  if (!RUN) return;
  await Promise.all(gateways.map((g) => g.stop()));
  await receiver?.close();
  await client?.close();
  await simulator?.close();
  await database?.drop();
}, 30_000);

async function gql(gateway: GatewayProcess, query: string, variables?: object) {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

const acknowledged = (id: string) =>
  receiver.received.filter((r) => r.headers['webhook-id'] === id && r.answered !== null && r.answered < 300).length;

describe.skipIf(!RUN)(`kill -9 of the instance sending a webhook${SKIP}`, () => {
  it('the survivor delivers it once the lease expires: one 2xx per event id, no event of the run lost', async () => {
    const [first] = gateways as [GatewayProcess, GatewayProcess];
    const created = await gql(
      first,
      'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } signingSecret } }',
      { i: { url: receiver.url, events: ['JOB_CREATED', 'JOB_RUNNING', 'JOB_COMPLETED', 'JOB_STATUS_CHANGED'] } },
    );
    const endpointId = created.createWebhookEndpoint.endpoint.id as string;
    // Both instances watch it (the second learns of it at its next rescan).
    await new Promise((r) => setTimeout(r, 1_000));

    const { datasetId } = await seedDataset({ client }, TENANT);
    const job = await client.createJob(TENANT, {
      name: 'kill-nine',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    clock.at(job, 0.3);
    // The retry's sender is killed; the survivor claims the delivery after the lease (1 s + 5 s).
    await eventually(() => target.killed ?? undefined, 30_000, 'the kill of the sender of the retry');
    clock.at(job, 1.5);
    await eventually(
      () => (target.id !== null && acknowledged(target.id) === 1 ? true : undefined),
      40_000,
      'the JOB_RUNNING delivery acknowledged after the kill',
    );
    const survivor = gateways.find((g) => g !== target.killed)!;
    const completed = await eventually(
      () => receiver.events().find((e) => e.type === 'JOB_COMPLETED' && e.data.job.id === job.id),
      30_000,
      'JOB_COMPLETED, seen after the kill',
    );
    expect(completed.data.previousStatus).not.toBeNull();

    // Settle: no delivery repeats once acknowledged.
    await new Promise((r) => setTimeout(r, 1_500));
    const ids = [...new Set(receiver.received.map((r) => String(r.headers['webhook-id'])))];
    for (const id of ids) expect(acknowledged(id), id).toBe(1);
    const types = receiver.events().map((e) => e.type);
    for (const type of ['JOB_CREATED', 'JOB_RUNNING', 'JOB_COMPLETED', 'JOB_STATUS_CHANGED'])
      expect(types, type).toContain(type);
    // The target was attempted three times: 500, killed, 200.
    expect(receiver.received.filter((r) => r.headers['webhook-id'] === target.id)).toHaveLength(3);

    // What the survivor says of them: every delivery the receiver got, each SUCCEEDED.
    const page = await gql(
      survivor,
      `query($e: ID!) { webhookDeliveries(endpoint: $e, first: 50) {
        edges { node { id state attemptCount eventType attempts { number outcome responseCode } } } } }`,
      { e: endpointId },
    );
    const nodes = page.webhookDeliveries.edges.map((e: { node: Record<string, unknown> }) => e.node);
    expect(nodes.map((n: { id: string }) => n.id).sort()).toEqual([...ids].sort());
    for (const node of nodes) expect(node.state).toBe('SUCCEEDED');
    // The attempt cut short by the kill has no outcome, and says so between the 500 and the 200.
    expect(nodes.find((n: { id: string }) => n.id === target.id)).toMatchObject({
      attemptCount: 3,
      attempts: [
        { number: 1, outcome: 'FAILED', responseCode: 500 },
        { number: 2, outcome: 'INTERRUPTED', responseCode: null },
        { number: 3, outcome: 'DELIVERED', responseCode: 200 },
      ],
    });
  }, 180_000);
});
