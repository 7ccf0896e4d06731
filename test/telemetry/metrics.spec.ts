/**
 * `/metrics` after a scripted journey: each counter moved by exactly what the journey did, operation
 * names past the limit are `other`, and the live gauges show one subscription, its poller and lease.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, eventually, startStack, type Stack } from '../harness/stack.js';
import { subscribeWs, wsClient } from '../harness/ws.js';

let stack: Stack;

beforeAll(async () => {
  const metrics = createGatewayMetrics({ operationNameLimit: 3, processMetrics: false });
  // Slow polls: the journey's counts below must not race a poll.
  stack = await startStack({
    http: true,
    client: { observer: metrics.upstream },
    live: { observer: metrics.live, intervals: { runningMs: 60_000, queuedMs: 60_000, listMs: 60_000 } },
    // The response cache off: this spec asks the same queries again and counts each execution and upstream call.
    gateway: { metrics, responseCache: null },
  });
});
afterAll(() => stack.close());

/** The scrape of the metrics listener as `name{labels}` → value, label order as the library writes it. */
async function scrape(): Promise<{ status: number; type: string | null; values: Map<string, number>; text: string }> {
  const response = await fetch(stack.metricsServer!.url);
  const text = await response.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { status: response.status, type: response.headers.get('content-type'), values, text };
}

const delta = (before: Map<string, number>, after: Map<string, number>) => (key: string) =>
  (after.get(key) ?? 0) - (before.get(key) ?? 0);

describe('/metrics', () => {
  it('counts requests, errors, upstream calls and cache lookups by exactly what a journey did', async () => {
    const before = (await scrape()).values;

    expect((await stack.gql('query Models { baseModels { id } }')).errors).toBeUndefined();
    expect((await stack.gql('query Models { baseModels { id } }')).errors).toBeUndefined();
    const missing = await stack.gql('query OneJob { job(id: "job-does-not-exist") { id } }');
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // Without credentials: counted, but its name takes no label slot (issue 17 item 7).
    const refused = await stack.gql('query NoCredentials { jobs { totalCount } }', {}, null);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // Served from the cache, so no upstream answer proves the caller in these requests: `other`
    // (metrics-label-slots.spec.ts covers the limit of 3 itself).
    expect((await stack.gql('query Fourth { baseModels { id } }')).errors).toBeUndefined();
    expect((await stack.gql('query Fifth { baseModels { id } }')).errors).toBeUndefined();
    const parseFailure = await stack.gql('query Broken {');
    expect(parseFailure.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');

    const { status, type, values: after, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    const d = delta(before, after);

    expect(d('gateway_graphql_requests_total{operationName="Models",operationType="query"}')).toBe(2);
    expect(d('gateway_graphql_requests_total{operationName="OneJob",operationType="query"}')).toBe(1);
    expect(d('gateway_graphql_requests_total{operationName="other",operationType="query"}')).toBe(3);
    expect(text).not.toContain('NoCredentials');
    expect(text).not.toContain('Fourth');
    expect(text).not.toContain('Fifth');

    expect(
      d('gateway_graphql_errors_total{operationName="OneJob",operationType="query",phase="execute",code="NOT_FOUND"}'),
    ).toBe(1);
    expect(
      d(
        'gateway_graphql_errors_total{operationName="other",operationType="query",phase="execute",code="UNAUTHENTICATED"}',
      ),
    ).toBe(1);
    expect(
      d(
        'gateway_graphql_errors_total{operationName="anonymous",operationType="unknown",phase="parse",code="GRAPHQL_PARSE_FAILED"}',
      ),
    ).toBe(1);

    expect(d('gateway_graphql_request_duration_seconds_count{operationName="Models",operationType="query"}')).toBe(2);
    expect(
      d(
        'gateway_http_request_duration_seconds_count{operationName="Models",operationType="query",method="POST",statusCode="200"}',
      ),
    ).toBe(2);

    // The catalogue: fetched once for DEMO, then served from the cache three times.
    expect(d('gateway_upstream_requests_total{method="GET",route="/base-models",status="200"}')).toBe(1);
    expect(d('gateway_base_model_cache_lookups_total{result="miss"}')).toBe(1);
    expect(d('gateway_base_model_cache_lookups_total{result="hit"}')).toBe(3);
    // A route template, never the id.
    expect(d('gateway_upstream_requests_total{method="GET",route="/jobs/{id}",status="404"}')).toBe(1);
    expect(d('gateway_upstream_request_duration_seconds_count{method="GET",route="/jobs/{id}",status="404"}')).toBe(1);
    expect(text).not.toContain('job-does-not-exist');
    expect(text).not.toContain(DEMO.token);
    expect(text).not.toContain(DEMO.organizationId);
  });

  it('shows an open WebSocket, its subscription, the poller and its lease, and ends with zeros', async () => {
    const { datasetId } = await seedDataset(stack, DEMO);
    const job = await stack.client.createJob(DEMO, {
      name: 'metrics',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    await scrape();
    const client = wsClient(stack.server!.url, DEMO);
    try {
      const sub = subscribeWs(client, 'subscription Watch($id: ID!) { jobUpdated(id: $id) { id status } }', {
        id: job.id,
      });
      await eventually(() => (sub.events.length > 0 ? true : undefined), 10_000, 'the first event');
      const { values: during } = await scrape();
      expect(during.get('gateway_websocket_connections')).toBe(1);
      expect(during.get('gateway_subscriptions_active')).toBe(1);
      expect(during.get('gateway_live_pollers{kind="job"}')).toBe(1);
      const leases = await eventually(
        async () => ((await scrape()).values.get('gateway_live_leases_held{kind="job"}') === 1 ? 1 : undefined),
        5_000,
        'the lease',
      );
      expect(leases).toBe(1);
      expect(during.get('gateway_sse_connections')).toBe(0);
    } finally {
      await client.dispose();
    }
    const { values: after } = await eventually(
      async () => {
        const s = await scrape();
        return s.values.get('gateway_websocket_connections') === 0 &&
          s.values.get('gateway_live_pollers{kind="job"}') === 0
          ? s
          : undefined;
      },
      5_000,
      'the socket and poller to go',
    );
    expect(after.get('gateway_subscriptions_active')).toBe(0);
    expect(after.get('gateway_live_leases_held{kind="job"}')).toBe(0);
  });

  it('counts polls through the observer of the live updates', async () => {
    // The seconds-long intervals above keep polls from racing the journey; a fast stack shows them counted.
    const metrics = createGatewayMetrics({ processMetrics: false });
    const fast = await startStack({
      sharedSimulator: stack.simulator,
      client: { observer: metrics.upstream },
      live: { observer: metrics.live },
      gateway: { metrics },
    });
    try {
      const { datasetId } = await seedDataset(fast, DEMO);
      const job = await fast.client.createJob(DEMO, {
        name: 'polls',
        baseModelId: LLAMA_INSTRUCT,
        dataset: { id: datasetId, answerColumn: 'answer' },
      });
      const stream = fast.live.watchJob(DEMO, job.id);
      await stream.next();
      await stream.next(); // a change: only a poll brings one
      await stream.return?.();
      const text = await metrics.registry.metrics();
      const polls = Number(/gateway_live_polls_total\{kind="job",outcome="ok"\} (\d+)/.exec(text)?.[1]);
      expect(polls).toBeGreaterThanOrEqual(1);
    } finally {
      await fast.close();
    }
  });

  it("is never on the public port, and the registry is the gateway's own", async () => {
    const plain = await startStack({ sharedSimulator: stack.simulator });
    try {
      expect((await plain.gateway.yoga.fetch('http://gateway.test/metrics')).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
