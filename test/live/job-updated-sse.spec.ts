/** `jobUpdated` over SSE, in-process: events from the current state to the terminal one. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { pollingStopped, useLiveStack } from '../harness/live-stack.js';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, OTHER, eventually, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let datasetId: string;
const fetchInProcess = (url: string, init: RequestInit) => stack.gateway.yoga.fetch(url, init) as Promise<Response>;

beforeAll(async () => {
  stack = await startStack({ simulator: { jobSeconds: 1 } });
  ({ datasetId } = await seedDataset(stack, DEMO));
});
afterAll(() => stack.close());

const WATCH = `subscription($id: ID!) { jobUpdated(id: $id) { id status completedAt metrics { points { step } } baseModel { name } } }`;

describe('jobUpdated over SSE', () => {
  it('delivers the current state, each change, and the terminal status, then completes', async () => {
    const job = await stack.client.createJob(DEMO, {
      name: 'watched',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    const sub = subscribeSse(fetchInProcess, 'http://gateway.test', WATCH, { id: job.id }, DEMO);
    await sub.done;
    const statuses = sub.events.map((e) => e.data?.jobUpdated.status);
    expect(sub.events.every((e) => e.errors === undefined)).toBe(true);
    const order = ['QUEUED', 'STARTING', 'RUNNING', 'COMPLETED'];
    expect(statuses.map((s) => order.indexOf(s))).toEqual([...statuses.map((s) => order.indexOf(s))].sort());
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(new Set(statuses).size).toBeGreaterThanOrEqual(2);
    // Each event differs from the one before (status or new metric points).
    const shapes = sub.events.map((e) => JSON.stringify(e.data));
    expect(new Set(shapes).size).toBe(shapes.length);
    const last = sub.events.at(-1)!.data.jobUpdated;
    expect(last.completedAt).toEqual(expect.any(String));
    expect(last.metrics.points.length).toBeGreaterThan(0);
    expect(last.baseModel.name).toBe('Meta-Llama-3-8B-Instruct');
    expect(stack.live.pollerCount()).toBe(0);
  });

  it("another tenant's job: one NOT_FOUND error, no event, and the stream ends", async () => {
    const job = await stack.client.createJob(DEMO, {
      name: 'private',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    const sub = subscribeSse(fetchInProcess, 'http://gateway.test', WATCH, { id: job.id }, OTHER);
    await sub.done;
    expect(sub.events).toHaveLength(1);
    expect(sub.events[0]!.data ?? null).toBeNull();
    expect(sub.events[0]!.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
  });
});

// Its own stack, on a manual clock: the job stays running for as long as the test needs, so only the
// abort can stop the poller (a job that completes would stop it anyway).
describe('jobUpdated over SSE, leaving early', () => {
  const held = useLiveStack({ jobSeconds: 1_000 });
  const jobPolls = () => held.stack.simulator.stats()['GET /jobs/{id}'] ?? 0;

  it('aborting the request stops the poller', async () => {
    const job = await held.newJob('left early');
    held.clock.at(job, 0.5); // Running, and it stays so: the clock does not move.
    const fetchHeld = (url: string, init: RequestInit) => held.stack.gateway.yoga.fetch(url, init) as Promise<Response>;
    const sub = subscribeSse(fetchHeld, 'http://gateway.test', WATCH, { id: job.id }, DEMO);
    await eventually(() => (sub.events.length > 0 ? true : undefined));
    expect(sub.events[0]!.data.jobUpdated.status).toBe('RUNNING');
    // While the subscriber stays, the poller stays and polls.
    const before = jobPolls();
    await eventually(() => (jobPolls() >= before + 2 ? true : undefined), 5_000, 'polling to go on');
    expect(held.stack.live.pollerCount()).toBe(1);

    sub.abort();
    await sub.done.catch(() => {});
    // No job poll while a list poller on the same interval polls several times (see pollingStopped).
    await pollingStopped(held.stack);
    expect(held.stack.live.pollerCount()).toBe(0);
  });
});
