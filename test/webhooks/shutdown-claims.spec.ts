/**
 * SIGTERM begins no webhook attempt. The gateway as its own process, on PostgreSQL: an attempt is in
 * flight (the receiver takes seconds to answer) and an HTTP request holds the drain open (a body that
 * never ends, as a slow upload does) when SIGTERM comes; a delivery falls due during the drain.
 * Before the fix the worker claimed until its close(), which the shutdown ran after the HTTP drain
 * (up to 7 s), so the new delivery was attempted during the drain; when such an attempt outlived the
 * 10 s budget the forced exit left it unrecorded, and another instance sent it again: the receiver
 * got it twice (the operators' trial). Now the worker stops claiming as the shutdown begins: no
 * attempt begins after SIGTERM, the new delivery waits, unclaimed, for another instance, and the
 * attempt in flight, which ends within the budget, is recorded.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../../src/upstream/client.js';
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
import { openRaw, type RawSocket } from '../harness/raw-socket.js';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/event-receiver.js';

/** How long the receiver takes to answer the attempt in flight at SIGTERM: well within the 10 s budget. */
const ANSWER_MS = 2_500;
const suffix = randomBytes(4).toString('hex');
const TENANT = { token: `shutdown-token-${suffix}`, organizationId: `shutdown-org-${suffix}` };

const clock = manualClock(1_000);
let simulator: Simulator;
let client: ClosableUpstreamClient;
let receiver: WebhookReceiver;
let gateway: GatewayProcess | undefined;
let database: ScratchDatabase;
let sql: pg.Client;
let held: RawSocket | undefined;

describe.skipIf(!POSTGRES)(`a webhook delivery as SIGTERM comes${POSTGRES_SKIP_REASON}`, () => {
  beforeAll(async () => {
    database = await scratchDatabase();
    simulator = await startSimulator({ port: 0, jobSeconds: 1_000, now: clock.now, tenants: [TENANT] });
    client = createUpstreamClient({ baseUrl: simulator.apiBaseUrl, deadlineMs: 30_000 });
    // The first request is answered after ANSWER_MS; any other at once.
    receiver = await startWebhookReceiver((_, index) =>
      index === 0 ? new Promise<number>((resolve) => setTimeout(() => resolve(200), ANSWER_MS)) : 200,
    );
    gateway = await startGatewayProcess({
      NSCALE_API_URL: simulator.apiBaseUrl,
      DATABASE_URL: database.url,
      WEBHOOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_SCAN_MS: '100',
      WEBHOOK_ENDPOINT_RESCAN_MS: '200',
      POLL_INTERVAL_LIST_MS: '200',
      METRICS_ENABLED: 'false',
      LOG_LEVEL: 'debug',
    });
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
  }, 120_000);
  afterAll(async () => {
    held?.socket.destroy();
    await gateway?.stop();
    await sql?.end().catch(() => undefined);
    await receiver?.close();
    await client?.close();
    await simulator?.close();
    await database?.drop();
  }, 30_000);

  it('begins no attempt after SIGTERM, and records the attempt in flight', async () => {
    const running = gateway!;
    const response = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${TENANT.token}`,
        'x-organization-id': TENANT.organizationId,
      },
      body: JSON.stringify({
        query: 'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }',
        variables: { i: { url: receiver.url, events: ['JOB_CREATED'] } },
      }),
    });
    const created = (await response.json()) as { data?: any; errors?: unknown };
    expect(created.errors).toBeUndefined();
    const endpointId = created.data.createWebhookEndpoint.endpoint.id as string;
    const { datasetId } = await seedDataset({ client }, TENANT);
    await client.createJob(TENANT, {
      name: 'sigterm-mid-delivery',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    const first = await eventually(() => receiver.received[0], 30_000, 'the JOB_CREATED attempt in flight');
    const firstId = String(first.headers['webhook-id']);

    // A request whose body never ends holds the HTTP drain open (5 s, then 2 s more).
    held = await openRaw(running.url);
    held.socket.write(
      'POST /graphql HTTP/1.1\r\nhost: gateway.test\r\ncontent-type: application/json\r\n' +
        'content-length: 100000\r\n\r\n{"query":"{ __typename }"',
    );
    const drip = setInterval(() => held?.socket.write(' '), 300);
    try {
      await new Promise((r) => setTimeout(r, 300));
      running.child.kill('SIGTERM');
      const draining = await eventually(
        () => logLines(running.output(), 'SIGTERM: draining')[0],
        5_000,
        'the shutdown begun',
      );
      const shutdownAt = draining.time as number;

      // Due during the drain: a delivery another instance would send (recorded as the watcher would).
      await new Promise((r) => setTimeout(r, 300));
      const lateId = `msg_late_${suffix}`;
      await sql.query(
        `insert into webhook_deliveries (id, endpoint_id, job_id, type, previous_status, job_status, state,
           next_attempt_at, body, created_at)
         values ($1, $2, 'job-late', 'JOB_CREATED', null, 'queued', 'pending', now(), '{}', now())`,
        [lateId, endpointId],
      );

      const code = await running.exited;
      gateway = undefined;
      expect(code).toBe(0);
      expect(logLines(running.output(), 'shutdown took longer than 10 s; exiting')).toEqual([]);

      // Attempts begun after the shutdown began: none, by the gateway's log and by the receiver.
      const begun = logLines(running.output(), 'webhook attempt');
      expect(begun.map((line) => line.deliveryId)).toEqual([firstId]);
      expect(begun.filter((line) => (line.time as number) >= shutdownAt)).toEqual([]);
      expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([firstId]);
      expect(
        logLines(
          running.output(),
          'webhook deliveries: this instance stopped claiming (shutting down); the attempts in flight go on until they end',
        ),
      ).toEqual([expect.objectContaining({ inFlight: 1 })]);

      // The late delivery waits for another instance: unclaimed, no attempt counted.
      const { rows: late } = await sql.query(
        'select state, attempt_count, lease_owner from webhook_deliveries where id = $1',
        [lateId],
      );
      expect(late).toEqual([{ state: 'pending', attempt_count: 0, lease_owner: null }]);
      // The attempt in flight ended within the budget: its outcome is recorded, not left to be sent again.
      const { rows: recorded } = await sql.query(
        `select d.state, d.attempt_count, a.response_code, a.interrupted
         from webhook_deliveries d join webhook_attempts a on a.delivery_id = d.id where d.id = $1`,
        [firstId],
      );
      expect(recorded).toEqual([{ state: 'succeeded', attempt_count: 1, response_code: 200, interrupted: false }]);
    } finally {
      clearInterval(drip);
    }
  }, 120_000);
});
