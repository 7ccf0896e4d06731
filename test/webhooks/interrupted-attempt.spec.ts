/**
 * An attempt cut short by `kill -9` is recorded, not lost. Two gateway processes on one PostgreSQL,
 * one endpoint, one job: the receiver holds the first request of the job's JOB_CREATED delivery
 * while the instance that sent it is killed with SIGKILL (the request is never answered). Once that
 * instance's lease has expired, the survivor claims the delivery and sends it again under the same
 * `webhook-id`, and the receiver acknowledges it. The delivery's attempts, as its owner reads them,
 * are then the interrupted one (with when it began, and no outcome) and the delivered one; the
 * survivor's log names the instance that stopped. Before the fix, the first attempt left no trace.
 *
 * And the worker's side: an interrupted attempt spends no retry of the schedule.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../../src/upstream/client.js';
import {
  createDeliveryWorker,
  MAX_INTERRUPTED_ATTEMPTS,
  type DeliveryWorkerOptions,
} from '../../src/webhooks/delivery-worker.js';
import type { AttemptOutcome, ClaimedDelivery, WebhookStore } from '../../src/webhooks/webhook-store.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { logLines, startGatewayProcess, type GatewayProcess } from '../harness/gateway-process.js';
import { manualClock } from '../harness/manual-clock.js';
import { eventually } from '../harness/stack.js';
import {
  POSTGRES,
  POSTGRES_SKIP_REASON,
  scratchDatabase,
  type ScratchDatabase,
} from '../harness/postgres-available.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../harness/event-receiver.js';

const ATTEMPT_TIMEOUT_MS = 1_000;
const suffix = randomBytes(4).toString('hex');
const TENANT = { token: `interrupted-token-${suffix}`, organizationId: `interrupted-org-${suffix}` };
const HEADERS = {
  'content-type': 'application/json',
  authorization: `Bearer ${TENANT.token}`,
  'x-organization-id': TENANT.organizationId,
};
const ATTEMPTS = 'attempts { number outcome startedAt durationMs responseCode error }';
const DELIVERIES = `query($e: ID!) { webhookDeliveries(endpoint: $e, first: 10) {
  edges { node { id eventType state attemptCount lastResponseCode ${ATTEMPTS} } } } }`;

const clock = manualClock(1_000);
let simulator: Simulator;
let client: ClosableUpstreamClient;
let receiver: WebhookReceiver;
let gateways: GatewayProcess[] = [];
let database: ScratchDatabase;

/** The JOB_CREATED delivery's id, and the instance killed while the receiver held its first request. */
const target = { id: null as string | null, killed: null as GatewayProcess | null };

async function respond(received: ReceivedWebhook): Promise<number> {
  const id = String(received.headers['webhook-id']);
  if ((JSON.parse(received.body) as { type: string }).type !== 'JOB_CREATED' || target.id !== null) return 200;
  target.id = id;
  const sender = await eventually(
    () =>
      gateways.find((g) =>
        logLines(g.output(), 'webhook attempt').some((line) => line.deliveryId === id && line.attempt === 1),
      ),
    10_000,
    `the instance that sent the first attempt of ${id}`,
  );
  sender.child.kill('SIGKILL');
  await sender.exited;
  target.killed = sender;
  return 500; // Never heard: the sender's socket died with it.
}

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

/** The id an instance claims deliveries as (its log at start). */
const instanceIdOf = (gateway: GatewayProcess) =>
  logLines(gateway.output(), 'webhook deliveries: this instance claims deliveries as this id')[0]?.instanceId;

describe.skipIf(!POSTGRES)(`an attempt cut short by kill -9${POSTGRES_SKIP_REASON}`, () => {
  beforeAll(async () => {
    database = await scratchDatabase();
    simulator = await startSimulator({ port: 0, jobSeconds: 1_000, now: clock.now, tenants: [TENANT] });
    // Generous: the specs may share a busy CPU.
    client = createUpstreamClient({ baseUrl: simulator.apiBaseUrl, deadlineMs: 30_000 });
    receiver = await startWebhookReceiver(respond);
    const env = {
      NSCALE_API_URL: simulator.apiBaseUrl,
      DATABASE_URL: database.url,
      WEBHOOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_ATTEMPT_TIMEOUT_MS: String(ATTEMPT_TIMEOUT_MS),
      WEBHOOK_SCAN_MS: '100',
      WEBHOOK_ENDPOINT_RESCAN_MS: '200',
      POLL_INTERVAL_LIST_MS: '200',
      METRICS_ENABLED: 'false',
      LOG_LEVEL: 'debug',
    };
    // One first, so that its migrations have run when the second starts.
    gateways = [await startGatewayProcess(env)];
    gateways.push(await startGatewayProcess(env));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await receiver?.close();
    await client?.close();
    await simulator?.close();
    await database?.drop();
  }, 30_000);

  it('is listed as INTERRUPTED, with when it began, before the attempt that delivered it under the same webhook-id', async () => {
    const [first] = gateways as [GatewayProcess, GatewayProcess];
    const created = await gql(
      first,
      'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }',
      { i: { url: receiver.url, events: ['JOB_CREATED'] } },
    );
    const endpointId = created.createWebhookEndpoint.endpoint.id as string;
    const { datasetId } = await seedDataset({ client }, TENANT);
    const before = Date.now();
    await client.createJob(TENANT, {
      name: 'interrupted-attempt',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });

    const killed = await eventually(() => target.killed ?? undefined, 60_000, 'the kill of the first sender');
    const survivor = gateways.find((g) => g !== killed)!;
    // The survivor claims it once the killed instance's lease (the attempt's timeout and a margin) expired.
    const sent = await eventually(
      () => {
        const all = receiver.received.filter((r) => r.headers['webhook-id'] === target.id);
        return all.length === 2 && all[1]!.answered === 200 ? all : undefined;
      },
      60_000,
      'the delivery sent again and acknowledged',
    );
    expect(sent[0]!.answered).toBeNull();

    // The survivor records the outcome once the receiver's answer reached it: read until it has.
    const nodes = await eventually(
      async () => {
        const page = await gql(survivor, DELIVERIES, { e: endpointId });
        const found = page.webhookDeliveries.edges.map((e: { node: any }) => e.node);
        return found[0]?.state === 'SUCCEEDED' ? found : undefined;
      },
      10_000,
      'the outcome recorded',
    );
    expect(nodes).toHaveLength(1);
    const [delivery] = nodes;
    expect(delivery).toMatchObject({
      id: target.id,
      eventType: 'JOB_CREATED',
      state: 'SUCCEEDED',
      attemptCount: 2,
      lastResponseCode: 200,
    });
    const [interrupted, delivered] = delivery.attempts;
    expect(delivery.attempts).toHaveLength(2);
    expect(interrupted).toMatchObject({
      number: 1,
      outcome: 'INTERRUPTED',
      responseCode: null,
      error: expect.stringMatching(/^no outcome: the gateway instance sending it stopped/),
    });
    expect(delivered).toMatchObject({ number: 2, outcome: 'DELIVERED', responseCode: 200, error: null });
    // It began (was claimed) just before the receiver got its request, and lasted until its lease expired.
    const began = Date.parse(interrupted.startedAt);
    expect(began).toBeGreaterThanOrEqual(before);
    expect(began).toBeLessThanOrEqual(sent[0]!.at);
    expect(interrupted.durationMs).toBeGreaterThan(ATTEMPT_TIMEOUT_MS);
    expect(Date.parse(delivered.startedAt)).toBeGreaterThanOrEqual(began + interrupted.durationMs);

    // The operator's log: the survivor names the instance that stopped mid-attempt.
    const warned = logLines(
      survivor.output(),
      'webhook attempt interrupted: the instance making it stopped before recording an outcome; sending again',
    );
    expect(warned).toEqual([
      expect.objectContaining({ deliveryId: target.id, attempt: 1, interruptedInstanceId: instanceIdOf(killed) }),
    ]);
    expect(instanceIdOf(killed)).toEqual(expect.any(String));
  }, 180_000);
});

/** A claimed delivery after `interrupted` interrupted attempts of `attempts`, the last claim having found one. */
const claimed = (attempts: number, interrupted: number): ClaimedDelivery => ({
  id: 'msg_1',
  endpointId: 'wh_1',
  type: 'JOB_CREATED',
  jobId: 'job-1',
  state: 'pending',
  attemptCount: attempts,
  seriesAttempts: attempts,
  interruptedAttempts: interrupted,
  interrupted: true,
  nextAttemptAt: new Date(0),
  lastResponseCode: null,
  createdAt: new Date(0),
  body: '{}',
  url: 'https://receiver.example/hook',
  lease: 'lease-1',
});

/** Runs a worker over a store that hands it `claim` once; what it recorded, scheduled and told the metrics. */
async function workOnce(claim: ClaimedDelivery, send: DeliveryWorkerOptions['send']) {
  let claims = [claim];
  const finished: AttemptOutcome[] = [];
  const scheduled: number[] = [];
  const told: string[] = [];
  const store = {
    // The claim once, then nothing more.
    claimDue: async () => [claims, (claims = [])][0]!,
    signingSecrets: async () => ['whsec_c2VjcmV0'],
    finishAttempt: async (_claim: ClaimedDelivery, outcome: AttemptOutcome) => finished.push(outcome) > 0,
  } as Partial<WebhookStore> as WebhookStore;
  const worker = createDeliveryWorker({
    store,
    send,
    retryAt: (attempt, at) => (scheduled.push(attempt), new Date(at.getTime() + 1_000)),
    instanceId: 'instance-1',
    scanMs: 60_000,
    leaseMs: 60_000,
    concurrency: 1,
    caps: { perEndpoint: 2, perOwner: 1 },
    now: Date.now,
    logger: pino({ level: 'silent' }),
    onOutcome: (outcome) => told.push(outcome),
  });
  await eventually(() => (finished.length === 1 ? true : undefined), 5_000, 'the outcome recorded');
  await worker.close();
  return { finished, scheduled, told };
}

describe('the retry schedule after an interrupted attempt', () => {
  it('counts the attempts that had an outcome only: a crash spends no retry', async () => {
    // Attempt 1 failed, attempt 2 was interrupted: this is the third attempt, the schedule's second.
    const { finished, scheduled, told } = await workOnce(claimed(2, 1), async () => ({
      kind: 'failed',
      responseCode: 500,
      error: 'HTTP 500',
      durationMs: 3,
    }));
    expect(scheduled).toEqual([2]);
    // The metrics hear of the interrupted attempt the claim recorded, then of this one's outcome.
    expect(told).toEqual(['interrupted', 'failed']);
    expect(finished[0]).toMatchObject({ kind: 'failed', retryAt: expect.any(Date) });
  });

  it('gives a delivery up, unsent, once its attempts were interrupted MAX_INTERRUPTED_ATTEMPTS times', async () => {
    // One whose sending stops the instance each time would otherwise be claimed again at every lease's expiry.
    let sent = 0;
    const { finished, scheduled } = await workOnce(
      claimed(MAX_INTERRUPTED_ATTEMPTS, MAX_INTERRUPTED_ATTEMPTS),
      async () => (sent++, { kind: 'delivered', responseCode: 200, durationMs: 3 }),
    );
    expect(sent).toBe(0);
    expect(scheduled).toEqual([]);
    expect(finished).toEqual([
      {
        kind: 'failed',
        responseCode: null,
        error:
          `not sent: ${MAX_INTERRUPTED_ATTEMPTS} of its attempts were interrupted (the instances sending them ` +
          'stopped before an outcome), so it is not sent again; redeliver it to try again',
        durationMs: 0,
        retryAt: null,
      },
    ]);
  });
});
