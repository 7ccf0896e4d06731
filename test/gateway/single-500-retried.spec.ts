/**
 * A single 500 of the upstream on a read is tried again once (operator trial: with 30 % of answers 500,
 * 60 % of operations failed, as nothing was retried): `createJob`'s read-only checks, `jobs { totalCount }`
 * and a new subscription's first read of its job each recover from one 500, counted from the simulator.
 * A job creation (a POST that may have created the job) is never repeated. A call recovered by its retry
 * is no failure for the circuit breaker; a call whose retry fails too is one failure, not two.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import type { CircuitStateChange } from '../../src/upstream/circuit-breaker.js';
import { QWEN_SMALL, seedDataset } from '../harness/fixtures.js';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, eventually, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let datasetId: string;
const changes: CircuitStateChange[] = [];

beforeAll(async () => {
  stack = await startStack({
    simulator: { jobSeconds: 1 },
    // The response cache off: the spec counts what reaches the upstream.
    gateway: { responseCache: null, metrics: createGatewayMetrics({ processMetrics: false }) },
    client: { circuitBreaker: { threshold: 2, windowMs: 600_000, coolDownMs: 600_000 } },
  });
  datasetId = (await seedDataset(stack, DEMO)).datasetId;
  stack.client.circuitBreaker!.onStateChange((change) => changes.push(change));
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.simulator.setFaults({});
  stack.simulator.resetStats();
});

const codes = (res: Awaited<ReturnType<Stack['gql']>>) => res.errors?.map((e) => e.extensions?.['code']);

async function upstreamRequests(route: string): Promise<string[]> {
  const text = await stack.gateway.metrics!.registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(`gateway_upstream_requests_total{method="GET",route="${route}"`));
}

const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id name } }';
const jobInput = (name: string) => ({
  name,
  baseModelId: QWEN_SMALL,
  dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
});

describe('one 500 on a read is tried again once', () => {
  it('jobs { totalCount }: answered, in two upstream calls, both counted in the metrics', async () => {
    stack.simulator.setFaults({ route: 'GET /jobs', error: { status: 500, count: 1 } });
    const res = await stack.gql('{ jobs { totalCount } }');
    expect(res.errors).toBeUndefined();
    expect(typeof res.data?.['jobs'].totalCount).toBe('number');
    expect(stack.calls()).toEqual({ 'GET /jobs': 2 });
    expect(await upstreamRequests('/jobs')).toEqual([
      'gateway_upstream_requests_total{method="GET",route="/jobs",status="500"} 1',
      'gateway_upstream_requests_total{method="GET",route="/jobs",status="200"} 1',
    ]);
  });

  it("createJob's read of its dataset: the job is created, once", async () => {
    const before = (await stack.client.listJobs(DEMO)).total;
    stack.simulator.resetStats();
    stack.simulator.setFaults({ route: 'GET /datasets/{id}', error: { status: 500, count: 1 } });
    const res = await stack.gql(CREATE, { i: jobInput('after one 500') });
    expect(res.errors).toBeUndefined();
    expect(res.data?.['createJob'].name).toBe('after one 500');
    expect(stack.calls()).toMatchObject({ 'GET /datasets/{id}': 2, 'POST /jobs': 1 });
    expect((await stack.client.listJobs(DEMO)).total).toBe(before + 1);
  });

  it("a new subscription's first read of its job: the first event comes, with no error", async () => {
    const job = await stack.client.createJob(DEMO, jobInput('watched'));
    stack.simulator.resetStats();
    stack.simulator.setFaults({ route: 'GET /jobs/{id}', error: { status: 500, count: 1 } });
    const sse = subscribeSse(
      async (url, init) => stack.gateway.yoga.fetch(url, init),
      'http://gateway.test',
      'subscription($id: ID!) { jobUpdated(id: $id) { id status } }',
      { id: job.id },
      DEMO,
    );
    const first = await eventually(() => sse.events[0], 10_000, 'the first event');
    sse.abort();
    expect(first.errors).toBeUndefined();
    expect(first.data?.jobUpdated.id).toBe(job.id);
    expect(stack.calls()['GET /jobs/{id}']).toBeGreaterThanOrEqual(2);
  });

  it('recovered calls were no failures for the circuit breaker', () => {
    expect(stack.client.circuitBreaker!.state()).toBe('closed');
    expect(changes).toEqual([]);
  });
});

describe('what is not repeated', () => {
  it('a job creation answered 500 is sent once: UPSTREAM_OUTCOME_UNKNOWN', async () => {
    stack.simulator.setFaults({ route: 'POST /jobs', error: { status: 500, count: 2 } });
    const res = await stack.gql(CREATE, { i: jobInput('not repeated') });
    expect(codes(res)).toEqual(['UPSTREAM_OUTCOME_UNKNOWN']);
    expect(stack.calls()['POST /jobs']).toBe(1);
  });

  it('a 500 that lasts: two attempts per read, then UPSTREAM_ERROR, each call one failure of the breaker', async () => {
    // An answer first: the failure streak starts from nothing (the job creation's 500 above was one).
    expect((await stack.gql('{ jobs { totalCount } }')).errors).toBeUndefined();
    stack.simulator.resetStats();
    stack.simulator.setFaults({ route: 'GET /jobs', error: { status: 500, rate: 1 } });
    expect(codes(await stack.gql('{ jobs { totalCount } }'))).toEqual(['UPSTREAM_ERROR']);
    expect(stack.calls()).toEqual({ 'GET /jobs': 2 });
    expect(stack.client.circuitBreaker!.state()).toBe('closed'); // threshold 2: one call, one failure
    expect(codes(await stack.gql('{ jobs { totalCount } }'))).toEqual(['UPSTREAM_ERROR']);
    expect(stack.calls()).toEqual({ 'GET /jobs': 4 });
    expect(changes).toEqual([{ from: 'closed', to: 'open', failures: 2 }]);
  });
});
