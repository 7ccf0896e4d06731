/**
 * Live updates of Together jobs (issue 19): `jobUpdated` over SSE to many subscribers of one Together
 * job costs one upstream poll per interval (counted from the Together simulator), every subscriber
 * gets the job to COMPLETED with its loss curve; `jobsUpdated` on Together pushes Together's jobs,
 * and an Nscale subscriber's list holds none of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeSse } from '../harness/sse.js';
import { createTogetherJob } from '../harness/together-job.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

const TOGETHER = { authorization: 'Bearer demo-token', 'x-provider': 'together' };
/** The harness's poll interval (POLL_INTERVAL_RUNNING_MS). */
const INTERVAL_MS = 50;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SIMULATOR_JOB_SECONDS: '1.5' } });
});
afterAll(() => stack.close());

const fetchAs =
  (headers: Record<string, string>) =>
  (url: string, init: RequestInit): Promise<Response> =>
    Promise.resolve(stack.gateway.yoga.fetch(url, { ...init, headers: { ...(init.headers as object), ...headers } }));

const createJob = async (name: string): Promise<string> => (await createTogetherJob(stack.gateway, TOGETHER, name)).id;

const WATCH =
  'subscription($id: ID!) { jobUpdated(id: $id) { id provider status metrics { points { step trainingLoss } } } }';

describe('live updates of a Together job', () => {
  it('one poll per interval for 20 subscribers, each seeing the job to COMPLETED with its loss curve', async () => {
    const id = await createJob('live');
    const subscribers = Array.from({ length: 20 }, () =>
      subscribeSse(fetchAs(TOGETHER), 'http://localhost', WATCH, { id }, null),
    );
    const firstEvents = async () => {
      while (!subscribers.every((s) => s.events.length > 0)) await new Promise((r) => setTimeout(r, 10));
    };
    await firstEvents();
    stack.togetherSimulator!.resetStats();
    const started = Date.now();
    await Promise.all(subscribers.map((s) => s.done));
    const elapsed = Date.now() - started;

    for (const s of subscribers) {
      expect(s.completed).toBe(true);
      for (const event of s.events) expect(event.errors).toBeUndefined();
      const last = s.events.at(-1)?.data?.jobUpdated;
      expect(last).toMatchObject({ id, provider: 'TOGETHER', status: 'COMPLETED' });
      expect(last.metrics.points.length).toBeGreaterThan(1);
    }
    // Every poll is at least an interval after the previous one: one shared poller, not one per subscriber.
    const polls = stack.togetherSimulator!.stats()['GET /fine-tunes/{id}'] ?? 0;
    expect(polls).toBeGreaterThan(0);
    expect(polls).toBeLessThanOrEqual(Math.ceil(elapsed / INTERVAL_MS) + 2);
    expect(stack.calls()).toEqual({});
  });

  it("each event's events and checkpoints are the job's at that event, not the first event's", async () => {
    const id = await createJob('history');
    const HISTORY = 'subscription($id: ID!) { jobUpdated(id: $id) { status events { type } checkpoints { step } } }';
    const watcher = subscribeSse(fetchAs(TOGETHER), 'http://localhost', HISTORY, { id }, null);
    await watcher.done;
    for (const event of watcher.events) expect(event.errors).toBeUndefined();
    const first = watcher.events[0]!.data!.jobUpdated;
    const last = watcher.events.at(-1)!.data!.jobUpdated;
    expect(last.status).toBe('COMPLETED');
    // The log grew while the job ran, and the final model was saved: read anew at the last event.
    expect(last.events.length).toBeGreaterThan(first.events.length);
    expect(last.checkpoints.length).toBeGreaterThan(first.checkpoints.length);
  });

  it('jobsUpdated on Together pushes Together’s jobs; an Nscale subscriber’s list holds none', async () => {
    const LIST = 'subscription { jobsUpdated { id provider } }';
    const together = subscribeSse(fetchAs(TOGETHER), 'http://localhost', LIST, {}, null);
    const nscale = subscribeSse(fetchAs(headersFor(DEMO)), 'http://localhost', LIST, {}, null);
    const id = await createJob('listed');
    while (!together.events.some((e) => e.data?.jobsUpdated.id === id)) await new Promise((r) => setTimeout(r, 10));
    for (const event of together.events) expect(event.data?.jobsUpdated.provider).toBe('TOGETHER');
    for (const event of nscale.events) expect(event.data?.jobsUpdated.provider).toBe('NSCALE');
    expect(nscale.events.some((e) => e.data?.jobsUpdated.id === id)).toBe(false);
    together.abort();
    nscale.abort();
  });
});
