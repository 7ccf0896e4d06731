/**
 * A poller lives exactly as long as it has subscribers: leaving (return(), an abort signal) stops
 * its polling at once, a job already terminal yields one event and completes, and `close()` ends
 * everything.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock, type ManualClock } from '../harness/manual-clock.js';
import { DEMO, FAST, JOB_SECONDS, read, startLiveStack, until, type LiveStack } from '../harness/hub-stack.js';

let stack: LiveStack;
beforeEach(async () => {
  stack = await startLiveStack();
});
afterEach(async () => {
  await stack.close();
});

/**
 * The absence tests run their hub on a manual clock: its pollers poll once when they start, then
 * only when the test advances the clock. With no poll in flight (`idle`), a poller gone and no timer
 * left, advancing the clock by many intervals and seeing no upstream call is exact.
 */
const idle = (clock: ManualClock, pollers: number) =>
  until(() => clock.pendingTimers() === pollers, `${pollers} poller(s) to wait for their next poll`);

describe('subscribers leaving', () => {
  it('stops polling when the last subscriber leaves, by return() or by its abort signal', async () => {
    const clock = manualClock(JOB_SECONDS);
    const hub = stack.hub({ clock });
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const controller = new AbortController();
    const byReturn = read(hub.watchJob(DEMO, job.id));
    const byAbort = read(hub.watchJob(DEMO, job.id, { signal: controller.signal }));
    await until(() => byReturn.events.length > 0 && byAbort.events.length > 0, 'first events');
    await idle(clock, 1);

    await byReturn.iterator.return?.();
    await byReturn.finished;
    expect(hub.pollerCount()).toBe(1);

    controller.abort();
    await byAbort.finished;
    expect(byAbort.ended).toEqual({ done: true });
    await until(() => hub.pollerCount() === 0, 'the poller to go');

    // No poll was in flight when they left, and none may follow: eight intervals pass, and a change.
    expect(clock.pendingTimers()).toBe(0);
    stack.sim.resetStats();
    stack.at(job, 0.9);
    clock.advance(FAST.runningMs * 8);
    expect(clock.pendingTimers()).toBe(0);
    expect(stack.sim.stats()).toEqual({});
  });

  it('stops a poll that is still waiting for the upstream when the last subscriber leaves', async () => {
    const clock = manualClock(JOB_SECONDS);
    const hub = stack.hub({ clock });
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const reader = read(hub.watchJob(DEMO, job.id));
    await until(() => reader.events.length > 0, 'first event');
    await idle(clock, 1);
    stack.sim.setFaults({ route: 'GET /jobs/{id}', latencyMs: 5_000 });
    stack.sim.resetStats();
    clock.advance(FAST.runningMs);
    await until(() => (stack.sim.stats()['GET /jobs/{id}'] ?? 0) === 1, 'a slow poll');
    await reader.iterator.return?.();
    await reader.finished;
    expect(hub.pollerCount()).toBe(0);
    stack.sim.setFaults({});
    clock.advance(FAST.runningMs * 8);
    expect(clock.pendingTimers()).toBe(0);
    expect(stack.sim.stats()['GET /jobs/{id}']).toBe(1);
  });

  it('yields a job that is already terminal once, then completes, leaving no poller', async () => {
    const hub = stack.hub();
    const job = await stack.createJob();
    stack.at(job, 1.2);
    const reader = read(hub.watchJob(DEMO, job.id));
    await reader.finished;
    expect(reader.ended).toEqual({ done: true });
    expect(reader.statuses()).toEqual(['completed']);
    expect(reader.events[0]?.metrics?.points.length).toBeGreaterThan(0);
    expect(hub.pollerCount()).toBe(0);
  });

  it('yields only the terminal state of a job that ended since its poller last polled', async () => {
    const hub = stack.hub({ intervals: { runningMs: 300, queuedMs: 300 } });
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const watching = read(hub.watchJob(DEMO, job.id));
    await until(() => watching.events.length === 1, 'first event');
    stack.at(job, 1.5);
    const joiner = read(hub.watchJob(DEMO, job.id));
    await Promise.all([watching.finished, joiner.finished]);
    expect(joiner.statuses()).toEqual(['completed']);
    expect(watching.statuses()).toEqual(['running', 'completed']);
    expect(joiner.events[0]?.version).toBe(watching.events[1]?.version);
  });

  it('ends a cancelled job with its terminal event', async () => {
    const hub = stack.hub();
    const job = await stack.createJob();
    stack.at(job, 0.05);
    const reader = read(hub.watchJob(DEMO, job.id));
    await until(() => reader.events.length === 1, 'first event');
    await stack.client.cancelJob(DEMO, job.id);
    await reader.finished;
    expect(reader.statuses()).toEqual(['queued', 'cancelled']);
    expect(reader.ended).toEqual({ done: true });
  });
});

describe('close()', () => {
  it('completes every stream, stops every poller, and later watches end at once', async () => {
    const clock = manualClock(JOB_SECONDS);
    const hub = stack.hub({ clock });
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const jobReader = read(hub.watchJob(DEMO, job.id));
    const listReader = read(hub.watchJobs(DEMO));
    await until(() => jobReader.events.length > 0 && listReader.events.length > 0, 'first events');
    expect(hub.listPollerCount()).toBe(1);
    await idle(clock, 2);

    await hub.close();
    await Promise.all([jobReader.finished, listReader.finished]);
    expect(jobReader.ended).toEqual({ done: true });
    expect(listReader.ended).toEqual({ done: true });
    expect(hub.pollerCount()).toBe(0);
    expect(hub.listPollerCount()).toBe(0);

    const late = read(hub.watchJob(DEMO, job.id));
    await late.finished;
    expect(late.events).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
    stack.sim.resetStats();
    clock.advance(FAST.runningMs * 5);
    expect(clock.pendingTimers()).toBe(0);
    expect(stack.sim.stats()).toEqual({});
  });
});
