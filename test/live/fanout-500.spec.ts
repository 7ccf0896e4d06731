/**
 * 500 subscribers on one running job, over the real server: 250 graphql-ws subscriptions (5 sockets
 * multiplexing 50 each) and 250 SSE requests. The job is polled once per interval, not once per
 * subscriber, and every subscriber receives the same events, up to the terminal one.
 *
 * The simulator runs on a manual clock, so the job holds still until the test moves it: each move is
 * one change every subscriber must receive (none can be skipped by a slow reader, none duplicated),
 * and the polling window is as long as the test needs. Counts come from the simulator's stats.
 */
import { describe, expect, it } from 'vitest';
import { useLiveStack } from '../harness/live-stack.js';
import { subscribeSse, type SseEvents } from '../harness/sse.js';
import { DEMO, eventually } from '../harness/stack.js';
import { subscribeWs, type WsSubscription } from '../harness/ws.js';

const JOB_SECONDS = 1_000;
const INTERVAL_MS = 100;
const SOCKETS = 5;
const PER_SOCKET = 50;
const SSE_REQUESTS = 250;
/** Polls a single poller may make in `ms`: one per interval (each timer starts after the previous poll), plus the one at the start. */
const onePollerBudget = (ms: number) => Math.floor(ms / INTERVAL_MS) + 2;

// One caller's 500 subscribers: past CALLER_MAX_SUBSCRIPTIONS's default (100) they would be refused.
const live = useLiveStack({
  http: true,
  jobSeconds: JOB_SECONDS,
  intervalMs: INTERVAL_MS,
  env: { CALLER_MAX_SUBSCRIPTIONS: String(SOCKETS * PER_SOCKET + SSE_REQUESTS) },
});
const { clock } = live;

const WATCH = `subscription($id: ID!) { jobUpdated(id: $id) { id status completedAt metrics { latest { step trainingLoss } } } }`;

describe('500 subscribers on one job (WebSocket and SSE)', () => {
  it('poll the upstream once per interval, and all receive every change and the terminal event', async () => {
    const { stack } = live;
    const job = await live.newJob('popular');
    clock.at(job, 0.3); // running, first training step done
    const url = stack.server!.url;

    const subscribers: Array<WsSubscription | SseEvents> = [];
    for (let s = 0; s < SOCKETS; s++) {
      const client = live.ws(DEMO);
      for (let i = 0; i < PER_SOCKET; i++) subscribers.push(subscribeWs(client, WATCH, { id: job.id }));
    }
    for (let i = 0; i < SSE_REQUESTS; i++) subscribers.push(subscribeSse(fetch, url, WATCH, { id: job.id }, DEMO));
    expect(subscribers).toHaveLength(500);
    const everyoneHas = (n: number) => (subscribers.every((s) => s.events.length >= n) ? true : undefined);
    await eventually(() => everyoneHas(1), 120_000, 'the current state to reach all 500 subscribers');
    expect(stack.live.pollerCount()).toBe(1);

    // Each subscriber's access check read the job with its own token; from now on only the poller does.
    stack.simulator.resetStats();
    const from = performance.now();
    const [polls, elapsed] = await eventually(
      () => {
        const n = stack.simulator.stats()['GET /jobs/{id}'] ?? 0;
        return n >= 20 ? ([n, performance.now() - from] as const) : undefined;
      },
      120_000,
      '20 polls of the job',
    );
    expect(polls).toBeLessThanOrEqual(onePollerBudget(elapsed));
    expect(stack.simulator.stats()['GET /jobs/{id}/metrics'] ?? 0).toBeLessThanOrEqual(onePollerBudget(elapsed));
    // Nothing changed meanwhile: nobody got a second event.
    expect(subscribers.every((s) => s.events.length === 1)).toBe(true);

    let expected = 1;
    for (const fraction of [0.5, 0.7, 0.9]) {
      clock.at(job, fraction);
      expected += 1;
      await eventually(() => everyoneHas(expected), 120_000, `change ${expected} to reach all 500 subscribers`);
    }
    clock.at(job, 1.5);
    await Promise.all(subscribers.map((s) => s.done));
    const total = performance.now() - from;
    const calls = stack.calls();
    console.info(
      `500 subscribers: ${calls['GET /jobs/{id}']} job polls and ${calls['GET /jobs/{id}/metrics']} metrics polls in ${Math.round(total)} ms (interval ${INTERVAL_MS} ms)`,
    );
    expect(calls['GET /jobs/{id}']).toBeLessThanOrEqual(onePollerBudget(total));
    expect(calls['GET /jobs/{id}/metrics']).toBeLessThanOrEqual(onePollerBudget(total));

    const reference = subscribers[0]!.events;
    expect(reference.map((e) => e.data?.jobUpdated.status)).toEqual([
      'RUNNING',
      'RUNNING',
      'RUNNING',
      'RUNNING',
      'COMPLETED',
    ]);
    expect(reference.every((e) => e.errors === undefined)).toBe(true);
    const steps = reference.map((e) => e.data?.jobUpdated.metrics.latest?.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps).size).toBe(steps.length);
    const differing = subscribers.filter((s) => JSON.stringify(s.events) !== JSON.stringify(reference));
    expect(differing).toHaveLength(0);
    await eventually(() => (stack.live.pollerCount() === 0 ? true : undefined), 30_000, 'the poller to go');
    // Generous waits: on a loaded machine 500 subscribers take long to serve; what is asserted are counts and contents, never times.
  }, 600_000);
});
