/**
 * Issue 20: no secret — a signing secret after its creation, the stored credentials, the key — in any
 * log line (at trace level, every component's), any error or any response but the one that issues
 * it, nor in the database in clear. The whole webhook life runs: registration, a job to completion
 * with a failed then successful attempt, rotation, reads of endpoints, deliveries and attempts, an
 * update, a redelivery, a refused registration, deletion.
 */
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { composeGateway, type ComposedGateway } from '../../src/server/compose-gateway.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { postGraphQL } from '../harness/http-client.js';
import { manualClock } from '../harness/manual-clock.js';
import {
  POSTGRES,
  POSTGRES_SKIP_REASON,
  scratchDatabase,
  type ScratchDatabase,
} from '../harness/postgres-available.js';
import { tracesIn } from '../harness/secret-traces.js';
import { eventually } from '../harness/stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/event-receiver.js';

const CALLER = { token: 'CALLER-webhook-recognisable-7q1', organizationId: 'secrets-org' };
const KEY = Buffer.from('webhook-key-recognisable-32bytes');
const JOB_SECONDS = 1_000;
const clock = manualClock(JOB_SECONDS);

let database: ScratchDatabase;
let receiver: WebhookReceiver;
let composed: ComposedGateway;
const lines: string[] = [];

beforeAll(async () => {
  if (!POSTGRES) return;
  database = await scratchDatabase();
  // The first delivery is answered 500 with the request's headers echoed in the body (kept in the attempt).
  receiver = await startWebhookReceiver((received, index) =>
    index === 0 ? { status: 500, body: JSON.stringify(received.headers) } : 200,
  );
  const logger = pino(
    { level: 'trace' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  composed = await composeGateway(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      UPSTREAM_DEADLINE_MS: '30000',
      POLL_INTERVAL_LIST_MS: '50',
      DATABASE_URL: database.url,
      WEBHOOK_ENCRYPTION_KEY: KEY.toString('base64'),
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE: '100ms',
      WEBHOOK_SCAN_MS: '50',
      WEBHOOK_ENDPOINT_RESCAN_MS: '100',
      METRICS_ENABLED: 'false',
    }),
    { logger, simulator: { tenants: [CALLER], jobSeconds: JOB_SECONDS, now: clock.now } },
  );
}, 60_000);
afterAll(async () => {
  await composed?.close();
  await receiver?.close();
  await database?.drop();
});

describe.skipIf(!POSTGRES)(`secrets of webhooks${POSTGRES_SKIP_REASON}`, () => {
  it('never in a log line, an error, a later response or the database in clear', async () => {
    const url = composed.server!.url;
    const answers: string[] = [];
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await postGraphQL(url, query, variables, CALLER);
      return { res, text: JSON.stringify(res) };
    };
    const created = await gql(
      'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } signingSecret } }',
      { i: { url: receiver.url, events: ['JOB_CREATED', 'JOB_COMPLETED'] } },
    );
    const id = created.res.data!.createWebhookEndpoint.endpoint.id as string;
    const first = created.res.data!.createWebhookEndpoint.signingSecret as string;

    const { datasetId } = await seedDataset({ client: composed.client }, CALLER);
    const job = await composed.client.createJob(CALLER, {
      name: 'secrets',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    clock.at(job, 1.5);
    await eventually(
      () => (receiver.received.filter((r) => r.answered === 200).length >= 2 ? true : undefined),
      30_000,
      'both events acknowledged (one after a 500)',
    );
    const rotated = await gql('mutation($id: ID!) { rotateWebhookSecret(id: $id) { signingSecret } }', { id });
    const second = rotated.res.data!.rotateWebhookSecret.signingSecret as string;
    expect(rotated.text).not.toContain(first);

    const reads = [
      await gql('{ webhookEndpoints { id url events state stateReason previousSecretExpiresAt } }'),
      await gql(
        'query($e: ID!) { webhookDeliveries(endpoint: $e, first: 10) { edges { node { id payload attempts { responseCode error } } } } }',
        { e: id },
      ),
      await gql('mutation($i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $i) { id state } }', {
        i: { id, description: 'updated' },
      }),
      await gql('mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { signingSecret } }', {
        i: { url: 'http://169.254.169.254/latest', events: ['JOB_FAILED'] },
      }),
    ];
    const delivery = reads[1]!.res.data!.webhookDeliveries.edges[0].node.id as string;
    reads.push(await gql('mutation($d: ID!) { redeliverWebhook(delivery: $d) { id state } }', { d: delivery }));
    reads.push(await gql('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }', { id }));
    for (const read of reads) answers.push(read.text);
    expect(reads[3]!.res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // The attempt that failed kept the receiver's body, which echoed the request's headers: none is a secret.
    expect(reads[1]!.text).toContain('webhook-signature');

    const secrets = [first, second, CALLER.token, KEY.toString('base64'), KEY.toString('hex'), KEY.toString()];
    expect(lines.length).toBeGreaterThan(50);
    expect(tracesIn(lines.join('\n'), secrets)).toEqual([]);
    expect(tracesIn(answers.join('\n'), secrets)).toEqual([]);
    expect(
      tracesIn(receiver.received.map((r) => JSON.stringify(r.headers) + r.body).join('\n'), [CALLER.token]),
    ).toEqual([]);
  }, 90_000);

  it('stores signing secrets and credentials sealed', async () => {
    const created = await postGraphQL(
      composed.server!.url,
      'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { signingSecret } }',
      { i: { url: receiver.url, events: ['JOB_FAILED'] } },
      CALLER,
    );
    const secret = created.data!.createWebhookEndpoint.signingSecret as string;
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'public'",
      );
      let dump = '';
      for (const { table_name } of tables.rows) {
        const rows = await client.query(`select * from "${table_name}"`);
        dump += JSON.stringify(rows.rows);
      }
      expect(dump).toContain(receiver.url); // the dump holds the endpoint's row
      expect(tracesIn(dump, [secret, secret.slice('whsec_'.length), CALLER.token])).toEqual([]);
    } finally {
      await client.end();
    }
  }, 30_000);
});
