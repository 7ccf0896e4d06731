/**
 * Proof (issue 8): a fault matrix against the simulator's faults (latency, 500, 503, 429 with
 * Retry-After, dropped connections; each alone and mixed), through the gateway in-process:
 * - reads recover from 503, 429, dropped connections and latency within their deadline, and from a
 *   single 500 (tried again once, not more: a 500 that lasts stays UPSTREAM_ERROR after two attempts);
 * - a job creation reaches the upstream at most once (simulator count), whatever happens;
 * - every failure reaches the client with its code;
 * - a subscription still delivers the terminal event after an outage.
 * The simulator counts a request before its fault is applied, so its stats count attempts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultOptions } from '../../src/simulator/index.js';
import { QWEN_SMALL, seedDataset } from '../harness/fixtures.js';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, eventually, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let datasetId: string;
let jobId: string;
beforeAll(async () => {
  // The response cache off: this spec asks the same queries again and counts what reaches the upstream.
  stack = await startStack({ simulator: { jobSeconds: 1 }, gateway: { responseCache: null } });
  datasetId = (await seedDataset(stack, DEMO)).datasetId;
  jobId = (await stack.client.createJob(DEMO, jobInput('seed'))).id;
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.simulator.setFaults({});
  stack.simulator.resetStats();
});

function jobInput(name: string) {
  return {
    name,
    baseModelId: QWEN_SMALL,
    dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
    hyperparameters: {
      nEpochs: 1,
      nEvals: 0,
      batchSize: 4,
      learningRate: 1e-5,
      warmupRatio: 0,
      weightDecay: 0,
      bestCheckpoints: false,
      maskPromptLabels: false,
      lora: { enabled: true, r: 8, alpha: 8, dropout: 0, trainableModules: [] },
    },
  };
}

const READ = 'query($id: ID!) { job(id: $id) { id name } }';
const ROUTE = 'GET /jobs/{id}';

describe('reads', () => {
  /** [faults, upstream attempts the recovery takes] */
  const recovering: Array<[string, FaultOptions, number]> = [
    ['503 twice', { route: ROUTE, error: { status: 503, count: 2 } }, 3],
    ['429 with Retry-After', { route: ROUTE, rateLimit: { count: 1, retryAfterSeconds: 1 } }, 2],
    ['dropped connections twice', { route: ROUTE, drop: { count: 2 } }, 3],
    ['latency', { route: ROUTE, latencyMs: 300 }, 1],
    [
      'mixed: latency, a drop and a 503',
      {
        route: ROUTE,
        latencyMs: 100,
        rules: [
          { route: ROUTE, drop: { count: 1 } },
          { route: ROUTE, error: { status: 503, count: 1 } },
        ],
      },
      3,
    ],
    [
      'mixed: a 429 (Retry-After 0) then a drop',
      { route: ROUTE, rateLimit: { count: 1, retryAfterSeconds: 0 }, rules: [{ route: ROUTE, drop: { count: 1 } }] },
      3,
    ],
  ];
  it.each(recovering)('recover from %s within their deadline', async (_, faults, attempts) => {
    stack.simulator.setFaults(faults);
    const res = await stack.gql(READ, { id: jobId });
    expect(res.errors).toBeUndefined();
    expect(res.data?.job).toMatchObject({ id: jobId, name: 'seed' });
    expect(stack.calls()[ROUTE]).toBe(attempts);
  });

  it('a 500 that lasts is tried again once, not more, and stays UPSTREAM_ERROR', async () => {
    stack.simulator.setFaults({ route: ROUTE, error: { status: 500, rate: 1 } });
    const res = await stack.gql(READ, { id: jobId });
    expect(res.status).toBeLessThan(500);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(stack.calls()[ROUTE]).toBe(2);
  });

  it.each([
    ['a 503 that lasts', { route: ROUTE, error: { status: 503, rate: 1 } }, 'UPSTREAM_UNAVAILABLE'],
    ['connections that keep dropping', { route: ROUTE, drop: { rate: 1 } }, 'UPSTREAM_UNAVAILABLE'],
    ['a 429 that lasts', { route: ROUTE, rateLimit: { rate: 1, retryAfterSeconds: 0 } }, 'RATE_LIMITED'],
  ] as Array<[string, FaultOptions, string]>)('%s reaches the client as %s', async (_, faults, code) => {
    stack.simulator.setFaults(faults);
    const res = await stack.gql(READ, { id: jobId });
    expect(res.errors?.[0]?.extensions?.code).toBe(code);
    expect(res.data?.job ?? null).toBeNull();
  });
});

describe('job creation', () => {
  const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }';
  const POST = 'POST /jobs';
  it.each([
    ['503', { route: POST, error: { status: 503, count: 1 } }, 'UPSTREAM_UNAVAILABLE', false],
    ['500', { route: POST, error: { status: 500, count: 1 } }, 'UPSTREAM_OUTCOME_UNKNOWN', false],
    [
      '500 after the job was made',
      { route: POST, error: { status: 500, count: 1, after: true } },
      'UPSTREAM_OUTCOME_UNKNOWN',
      true,
    ],
    ['429 with Retry-After', { route: POST, rateLimit: { count: 1, retryAfterSeconds: 1 } }, 'RATE_LIMITED', false],
    ['a dropped connection', { route: POST, drop: { count: 1 } }, 'UPSTREAM_OUTCOME_UNKNOWN', false],
    [
      'an answer lost after the job was made',
      { route: POST, drop: { count: 1, after: true } },
      'UPSTREAM_OUTCOME_UNKNOWN',
      true,
    ],
    ['latency', { route: POST, latencyMs: 300 }, null, true],
    [
      'mixed: latency, then a drop after acting, on every route',
      {
        latencyMs: 50,
        rules: [
          { route: POST, drop: { count: 1, after: true } },
          { route: ROUTE, error: { status: 503, count: 1 } },
        ],
      },
      'UPSTREAM_OUTCOME_UNKNOWN',
      true,
    ],
  ] as Array<[string, FaultOptions, string | null, boolean]>)(
    'reaches the upstream at most once under %s, and says so with its code',
    async (name, faults, code, made) => {
      const before = (await stack.client.listJobs(DEMO)).total;
      stack.simulator.setFaults(faults);
      const res = await stack.gql(CREATE, { i: jobInput(`create ${name}`) });
      stack.simulator.setFaults({});
      expect(stack.calls()[POST]).toBe(1);
      if (code === null) expect(res.errors).toBeUndefined();
      else expect(res.errors?.map((e) => e.extensions?.code)).toEqual([code]);
      expect((await stack.client.listJobs(DEMO)).total).toBe(before + (made ? 1 : 0));
    },
  );
});

describe('subscriptions', () => {
  it('deliver the terminal event after an outage of the upstream', async () => {
    const created = await stack.client.createJob(DEMO, jobInput('watched'));
    const sse = subscribeSse(
      async (url, init) => stack.gateway.yoga.fetch(url, init),
      'http://gateway.test',
      'subscription($id: ID!) { jobUpdated(id: $id) { status } }',
      { id: created.id },
      DEMO,
    );
    await eventually(() => (sse.events.length > 0 ? true : undefined), 10_000, 'the first event');
    // An outage: every poll fails (503, drops, 429 mixed) until several polls have met it.
    stack.simulator.resetStats();
    stack.simulator.setFaults({
      route: ROUTE,
      error: { status: 503, rate: 0.5 },
      rules: [
        { route: ROUTE, drop: { rate: 1 } },
        { route: ROUTE, rateLimit: { rate: 1, retryAfterSeconds: 0 } },
      ],
    });
    await eventually(() => ((stack.calls()[ROUTE] ?? 0) >= 6 ? true : undefined), 10_000, 'six failed polls');
    stack.simulator.setFaults({});
    await sse.done;
    expect(sse.events.at(-1)?.data?.jobUpdated.status).toBe('COMPLETED');
    expect(sse.completed).toBe(true);
    expect(sse.events.every((e) => e.errors === undefined)).toBe(true);
  }, 20_000);
});
