/**
 * `job(id) { metrics }` asks the upstream for the job and its metrics at once, and on Together its
 * `events` and `checkpoints` too (issue 22: a dashboard's job page on a cache miss took two upstream
 * round trips in a row). Proved by holding the job's answer
 * at the simulator and seeing the metrics asked for meanwhile; with the metrics left to `Job.metrics`
 * they are asked for only once the job has answered. Counted from the simulators: never a call more
 * on success, nor on a failed metrics call, and none for metrics the operation does not select.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QWEN_SMALL, seedDataset } from '../harness/fixtures.js';
import { createTogetherJob } from '../harness/together-job.js';
import { DEMO, eventually, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

let stack: Stack;
let jobId: string;
let togetherJobId: string;
const TOGETHER = { authorization: 'Bearer demo-token', 'x-provider': 'together' };

beforeAll(async () => {
  // The response cache off: the same job is asked for again and again, and every call is counted.
  stack = await startStack({ simulator: { jobSeconds: 3600 }, gateway: { responseCache: null } });
  const { datasetId } = await seedDataset(stack, DEMO);
  jobId = (
    await stack.client.createJob(DEMO, {
      name: 'ahead',
      baseModelId: QWEN_SMALL,
      dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
    })
  ).id;
  togetherJobId = (await createTogetherJob(stack.gateway, TOGETHER, 'ahead')).id;
});
afterAll(() => stack.close());
beforeEach(() => {
  for (const simulator of [stack.simulator, stack.togetherSimulator!]) {
    simulator.setFaults({});
    simulator.resetStats();
  }
});

const JOB = 'GET /jobs/{id}';
const METRICS = 'GET /jobs/{id}/metrics';
/** Longer than `eventually` waits below: a metrics call seen in time was made while the job was held. */
const HELD_MS = 3_000;

async function togetherGql(query: string, variables: object): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...TOGETHER },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse;
}

describe('the metrics of job(id) are asked for with the job', () => {
  const shapes: Array<[string, string]> = [
    ['selected directly', 'query($id: ID!) { job(id: $id) { id status metrics { trainingSteps } } }'],
    ['under an alias', 'query($id: ID!) { job(id: $id) { id loss: metrics { trainingSteps } } }'],
    ['in an inline fragment', 'query($id: ID!) { job(id: $id) { id ... on Job { metrics { trainingSteps } } } }'],
    [
      'in a named fragment within a fragment',
      'query($id: ID!) { job(id: $id) { ...Outer } } fragment Outer on Job { id ...Inner } fragment Inner on Job { metrics { trainingSteps } }',
    ],
    ['with @include(if: true)', 'query($id: ID!) { job(id: $id) { id metrics @include(if: true) { trainingSteps } } }'],
  ];

  it.each(shapes)('on Nscale, %s: the metrics call is made while the job is unanswered', async (_, query) => {
    stack.simulator.setFaults({ route: JOB, latencyMs: HELD_MS });
    const pending = stack.gql(query, { id: jobId });
    // Both counted while the job is held (the two are sent together, in either order).
    await eventually(
      () => (stack.simulator.stats()[JOB] && stack.simulator.stats()[METRICS]) || undefined,
      HELD_MS / 2,
      'the job and metrics calls',
    );
    expect(stack.calls()).toEqual({ [JOB]: 1, [METRICS]: 1 });
    const res = await pending;
    expect(res.errors).toBeUndefined();
    expect(res.data?.job.id).toBe(jobId);
    expect(Object.values(res.data?.job).some((v: any) => typeof v?.trainingSteps === 'number')).toBe(true);
    expect(stack.calls()).toEqual({ [JOB]: 1, [METRICS]: 1 });
  });

  it('on Together: the metrics, events and checkpoints calls are made while the job is unanswered', async () => {
    const together = stack.togetherSimulator!;
    together.setFaults({ route: 'GET /fine-tunes/{id}', latencyMs: HELD_MS });
    const pending = togetherGql(
      'query($id: ID!) { job(id: $id) { id metrics { trainingSteps } events { type } checkpoints { step } } }',
      { id: togetherJobId },
    );
    const ahead = ['GET /fine-tunes/{id}/metrics', 'GET /fine-tunes/{id}/events', 'GET /fine-tunes/{id}/checkpoints'];
    await eventually(
      () => (ahead.every((route) => together.stats()[route] === 1) ? true : undefined),
      HELD_MS / 2,
      'the calls asked ahead',
    );
    const res = await pending;
    expect(res.errors).toBeUndefined();
    expect(res.data?.job).toMatchObject({
      id: togetherJobId,
      events: expect.any(Array),
      checkpoints: expect.any(Array),
    });
    expect(res.data?.job.events.length).toBeGreaterThan(0);
    for (const route of ['GET /fine-tunes/{id}', ...ahead]) expect(together.stats()[route]).toBe(1);
  });

  it('on Nscale, events and checkpoints (null there) cost no call', async () => {
    const res = await stack.gql('query($id: ID!) { job(id: $id) { id events { type } checkpoints { step } } }', {
      id: jobId,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.job).toEqual({ id: jobId, events: null, checkpoints: null });
    expect(stack.calls()).toEqual({ [JOB]: 1 });
  });
});

describe('what looking ahead does not change', () => {
  it.each([
    ['not selected', 'query($id: ID!) { job(id: $id) { id status } }'],
    ['skipped', 'query($id: ID!) { job(id: $id) { id metrics @skip(if: true) { trainingSteps } } }'],
    [
      'left out by a variable',
      'query($id: ID!, $with: Boolean!) { job(id: $id) { id metrics @include(if: $with) { trainingSteps } } }',
    ],
    ['selected below another field only', 'query($id: ID!) { job(id: $id) { id dataset { name } } }'],
  ])('metrics %s: no metrics call', async (_, query) => {
    const res = await stack.gql(query, { id: jobId, with: false });
    expect(res.errors).toBeUndefined();
    expect(res.data?.job.id).toBe(jobId);
    expect(stack.calls()[METRICS]).toBeUndefined();
  });

  it('a failed metrics call is not made again by Job.metrics: the job comes back, its metrics as the error', async () => {
    // The metrics fail (a 500, and the one retry a 500 gets) while the job is still held: Job.metrics reads the failure.
    stack.simulator.setFaults({
      route: JOB,
      latencyMs: 300,
      rules: [{ route: METRICS, error: { status: 500, count: 2 } }],
    });
    const res = await stack.gql('query($id: ID!) { job(id: $id) { id metrics { trainingSteps } } }', { id: jobId });
    expect(res.data?.job).toEqual({ id: jobId, metrics: null });
    expect(res.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['job', 'metrics'], 'UPSTREAM_ERROR']]);
    expect(stack.calls()).toEqual({ [JOB]: 1, [METRICS]: 2 });
  });

  it('a job the caller cannot see: one NOT_FOUND for the job, and the metrics call it cost', async () => {
    const res = await stack.gql('query($id: ID!) { job(id: $id) { id metrics { trainingSteps } } }', {
      id: 'job-0000000000000000000000ff',
    });
    expect(res.data?.job).toBeNull();
    expect(res.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['job'], 'NOT_FOUND']]);
    expect(stack.calls()).toEqual({ [JOB]: 1, [METRICS]: 1 });
  });
});
