/**
 * GraphiQL's webhook tab, followed as a new user would: the gateway started as the tab says
 * (`WEBHOOK_ALLOWED_HOSTS=localhost`, no credentials: the embedded simulator's demo account), the
 * receiver one-liner it prints run as a shell would (on a free port instead of 8787), its
 * `RegisterWebhook` with its own variables, a job created, and its `Deliveries` query. The receiver
 * prints each delivery's `webhook-id` and body, and the tab's query shows the same deliveries
 * succeeded with the receiver's 200. Skips without PostgreSQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_TABS } from '../../src/server/graphiql-examples.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { POSTGRES, POSTGRES_SKIP_REASON } from '../harness/postgres-available.js';
import { DEMO, eventually, type GraphQLResponse, type Stack } from '../harness/stack.js';
import { startWebhookE2E, type WebhookE2E } from './e2e-stack.js';

const tab = GRAPHIQL_TABS.find((t) => /^mutation RegisterWebhook\b/m.test(t.query));
let e2e: WebhookE2E | undefined;
let stack: Stack;
let receiver: ChildProcess | undefined;
const printed: string[] = [];
let port = 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return free;
}

beforeAll(async () => {
  if (!POSTGRES || !tab) return;
  e2e = await startWebhookE2E({
    gateway: { fallbackCredentials: DEMO },
    env: { WEBHOOK_ALLOWED_HOSTS: /WEBHOOK_ALLOWED_HOSTS=(\S+) npm start/.exec(tab.query)![1]! },
  });
  stack = e2e.stack;
  port = await freePort();
  const command = /^# (node -e .+)$/m.exec(tab.query)![1]!.replace('listen(8787)', `listen(${port})`);
  receiver = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  receiver.stdout!.on('data', (chunk: Buffer) => printed.push(...chunk.toString().split('\n').filter(Boolean)));
  // Listening once it answers (a plain POST prints a line with no webhook-id).
  await eventually(
    () =>
      fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'ping' }).then(
        (r) => r.ok || undefined,
        () => undefined,
      ),
    10_000,
    'the receiver one-liner to listen',
  );
}, 60_000);
afterAll(async () => {
  // The shell and the node it started: the whole group.
  if (receiver?.pid) process.kill(-receiver.pid, 'SIGTERM');
  await e2e?.close();
});

/** As GraphiQL sends a tab's operation: no credentials, the tab's text and the chosen operation. */
async function run(operationName: string, variables: object): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: tab!.query, operationName, variables }),
  });
  return (await response.json()) as GraphQLResponse;
}

describe.skipIf(!POSTGRES)(`GraphiQL's webhook tab${POSTGRES ? '' : ` (${POSTGRES_SKIP_REASON})`}`, () => {
  it("registers the receiver it prints, which then prints a new job's creation; its query shows that delivery succeeded", async () => {
    expect(tab, 'a GraphiQL tab with mutation RegisterWebhook').toBeDefined();
    const tabVariables = JSON.parse(tab!.variables!) as { url: string };
    const url = tabVariables.url.replace(':8787', `:${port}`);
    expect(url).toBe(`http://localhost:${port}/hooks`);

    const registered = await run('RegisterWebhook', { url });
    expect(registered.errors).toBeUndefined();
    const { endpoint, signingSecret } = registered.data!.createWebhookEndpoint;
    expect(endpoint).toMatchObject({ url, state: 'ACTIVE' });
    expect(signingSecret).toMatch(/^whsec_/);

    const { datasetId } = await seedDataset(stack, DEMO, 'graphiql webhook tab');
    const job = await stack.client.createJob(DEMO, {
      name: 'tab',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    // The receiver prints `<webhook-id> <body>` for each delivery: the job's creation first.
    const created = await eventually(
      () => printed.find((line) => line.includes('"type":"JOB_CREATED"')),
      20_000,
      `the receiver to print the job's creation (it printed ${JSON.stringify(printed)})`,
    );
    expect(created).toContain(job.id);
    const [webhookId] = created.split(' ');

    const deliveries = await eventually(
      async () => {
        const answer = await run('Deliveries', { endpointId: endpoint.id });
        const nodes = answer.data?.webhookDeliveries.edges.map((e: { node: any }) => e.node) ?? [];
        return nodes.some((n: any) => n.id === webhookId && n.state === 'SUCCEEDED') ? nodes : undefined;
      },
      10_000,
      "the tab's Deliveries query to show the printed delivery succeeded",
    );
    const printedOne = deliveries.find((n: any) => n.id === webhookId);
    expect(printedOne).toMatchObject({ eventType: 'JOB_CREATED', jobId: job.id, state: 'SUCCEEDED' });
    expect(printedOne.attempts[0]).toMatchObject({ responseCode: 200, error: null });
  });
});
