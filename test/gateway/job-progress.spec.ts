/**
 * `Job.progress` and `Job.estimatedSecondsLeft` through GraphQL, with the simulator and the gateway
 * on one manual clock: each status gives the documented value, and a running job's estimate is the
 * time its run really has left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';

const JOB_SECONDS = 100; // running from 20 s to 100 s after creation
const clock = manualClock(JOB_SECONDS);
let stack: Stack;
let datasetId: string;

beforeAll(async () => {
  // The response cache off: this spec asks the same queries again and counts what reaches the upstream.
  stack = await startStack({
    simulator: { jobSeconds: JOB_SECONDS, now: clock.now },
    gateway: { now: clock.now, responseCache: null },
  });
  ({ datasetId } = await seedDataset(stack, DEMO));
});
afterAll(() => stack.close());

const PROGRESS = `query($id: ID!) { job(id: $id) { status progress estimatedSecondsLeft metrics { latest { step } trainingSteps } } }`;

async function progressOf(id: string) {
  const response = await stack.gql<{
    job: { status: string; progress: number | null; estimatedSecondsLeft: number | null; metrics: any };
  }>(PROGRESS, { id });
  expect(response.errors).toBeUndefined();
  return response.data!.job;
}

const createJob = (name: string) =>
  stack.client.createJob(DEMO, {
    name,
    baseModelId: LLAMA_INSTRUCT,
    dataset: { id: datasetId, answerColumn: 'answer' },
  });

describe('Job.progress and Job.estimatedSecondsLeft', () => {
  it('are 0 and unknown while waiting, the share of steps and the run left while running, 1 and 0 once completed', async () => {
    const job = await createJob('progress');

    clock.at(job, 0.05);
    expect(await progressOf(job.id)).toMatchObject({ status: 'QUEUED', progress: 0, estimatedSecondsLeft: null });
    clock.at(job, 0.15);
    expect(await progressOf(job.id)).toMatchObject({ status: 'STARTING', progress: 0, estimatedSecondsLeft: null });

    clock.at(job, 0.6); // half of the running phase done: 40 s of the run left
    const running = await progressOf(job.id);
    expect(running.status).toBe('RUNNING');
    expect(running.progress).toBe(running.metrics.latest.step / running.metrics.trainingSteps);
    expect(running.progress).toBeGreaterThan(0.4);
    expect(running.progress).toBeLessThanOrEqual(0.5);
    expect(running.estimatedSecondsLeft).toBe(40);

    clock.at(job, 0.9);
    expect((await progressOf(job.id)).estimatedSecondsLeft).toBe(10);

    clock.at(job, 1.05);
    expect(await progressOf(job.id)).toMatchObject({ status: 'COMPLETED', progress: 1, estimatedSecondsLeft: 0 });
  });

  it('of a cancelled job: the share reached when it stopped, and no estimate', async () => {
    const job = await createJob('cancelled while running');
    clock.at(job, 0.6);
    await stack.client.cancelJob(DEMO, job.id);
    clock.at(job, 0.8); // later reads keep the share reached at the cancel
    const cancelled = await progressOf(job.id);
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.progress).toBe(cancelled.metrics.latest.step / cancelled.metrics.trainingSteps);
    expect(cancelled.progress).toBeGreaterThan(0.4);
    expect(cancelled.progress).toBeLessThanOrEqual(0.5);
    expect(cancelled.estimatedSecondsLeft).toBeNull();
  });

  it('of a job cancelled before it started: 0, without reading metrics', async () => {
    const job = await createJob('cancelled while queued');
    clock.at(job, 0.05);
    await stack.client.cancelJob(DEMO, job.id);
    stack.simulator.resetStats();
    const response = await stack.gql(`query($id: ID!) { job(id: $id) { status progress estimatedSecondsLeft } }`, {
      id: job.id,
    });
    expect(response.data).toEqual({ job: { status: 'CANCELLED', progress: 0, estimatedSecondsLeft: null } });
    expect(stack.calls()).toEqual({ 'GET /jobs/{id}': 1 });
  });
});
