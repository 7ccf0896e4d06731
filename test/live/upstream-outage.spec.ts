/**
 * The upstream fails in the middle of a job, for a while, then recovers. Subscribers (WebSocket and
 * SSE, over the real server) wait without an error, get what changed once the upstream answers
 * again, and never lose the terminal status, which is reached during the second outage. Two kinds
 * of outage on `GET /jobs/{id}` and its metrics: 503 answers, then connections dropped unanswered.
 * The job moves only when the test moves the simulator's clock; the outage lasts until the
 * simulator has refused a given number of polls (counted by its stats), not for a set time.
 */
import { describe, expect, it } from 'vitest';
import type { FaultOptions } from '../../src/simulator/index.js';
import { useLiveStack } from '../harness/live-stack.js';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, eventually } from '../harness/stack.js';
import { subscribeWs } from '../harness/ws.js';

const JOB_SECONDS = 1_000;
const live = useLiveStack({
  http: true,
  jobSeconds: JOB_SECONDS,
  intervalMs: 50,
  live: { intervals: { maxBackoffMs: 200 } },
});
const { clock } = live;

const WATCH = `subscription($id: ID!) { jobUpdated(id: $id) { id status completedAt metrics { latest { step } } } }`;
const polls = () => live.stack.simulator.stats()['GET /jobs/{id}'] ?? 0;

const ERRORS: FaultOptions = {
  rules: [
    { route: 'GET /jobs/{id}', error: { rate: 1, status: 503 } },
    { route: 'GET /jobs/{id}/metrics', error: { rate: 1, status: 503 } },
  ],
};
const DROPS: FaultOptions = {
  rules: [
    { route: 'GET /jobs/{id}', drop: { rate: 1 } },
    { route: 'GET /jobs/{id}/metrics', drop: { rate: 1 } },
  ],
};

/** Faults on, the job moved to `fraction` meanwhile, and at least `failed` polls refused after the move. */
async function outage(faults: FaultOptions, move: () => void, failed: number): Promise<void> {
  live.stack.simulator.setFaults(faults);
  // A poll already past the simulator's fault check when the faults were set reads the old state:
  // move the job only once a refused poll shows the outage has begun.
  const start = polls();
  await eventually(() => (polls() >= start + 2 ? true : undefined), 10_000, 'the outage to begin');
  move();
  const moved = polls();
  await eventually(() => (polls() >= moved + failed ? true : undefined), 10_000, `${failed} refused polls`);
}

describe('an upstream outage during a job', () => {
  it('does not lose a change or the terminal event: subscribers get them once the upstream answers again', async () => {
    const { stack } = live;
    const job = await live.newJob('weathered');
    clock.at(job, 0.3);
    const client = live.ws(DEMO);
    const subs = [
      subscribeWs(client, WATCH, { id: job.id }),
      subscribeSse(fetch, stack.server!.url, WATCH, { id: job.id }, DEMO),
    ];
    const everyoneHas = (n: number) => (subs.every((s) => s.events.length >= n) ? true : undefined);
    await eventually(() => everyoneHas(1));

    await outage(ERRORS, () => clock.at(job, 0.6), 4);
    expect(subs.map((s) => s.events.length)).toEqual([1, 1]); // Waiting, no error.
    stack.simulator.setFaults({});
    await eventually(() => everyoneHas(2), 10_000, 'the change after the 503s');

    await outage(DROPS, () => clock.at(job, 1.5), 4);
    expect(subs.map((s) => s.events.length)).toEqual([2, 2]);
    expect(stack.live.pollerCount()).toBe(1);
    stack.simulator.setFaults({});
    await Promise.all(subs.map((s) => s.done));

    for (const sub of subs) {
      expect(sub.events.every((e) => e.errors === undefined)).toBe(true);
      expect(sub.events.map((e) => e.data.jobUpdated.status)).toEqual(['RUNNING', 'RUNNING', 'COMPLETED']);
      expect(sub.events.map((e) => e.data.jobUpdated.metrics.latest.step)).toEqual([1, 5, 10]);
    }
    expect(subs[0]!.events).toEqual(subs[1]!.events);
    expect(stack.live.pollerCount()).toBe(0);
  });
});
