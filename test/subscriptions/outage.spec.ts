/**
 * Nothing lost: while the upstream fails, subscribers wait; once it answers again they get what
 * changed, the terminal status (with its final metrics) included. A long enough outage ends the
 * streams with a coded error instead of leaving them hanging; a Retry-After is honoured.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../harness/manual-clock.js';
import { codeOf, DEMO, FAST, JOB_SECONDS, read, startLiveStack, until, type LiveStack } from '../harness/hub-stack.js';

let stack: LiveStack;
beforeEach(async () => {
  stack = await startLiveStack();
});
afterEach(async () => {
  await stack.close();
});

const polls = () => stack.sim.stats()['GET /jobs/{id}'] ?? 0;
const metricReads = () => stack.sim.stats()['GET /jobs/{id}/metrics'] ?? 0;

describe('upstream outage', () => {
  it('delivers the terminal event, with the final metrics, once the upstream answers again', async () => {
    const hub = stack.hub();
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const reader = read(hub.watchJob(DEMO, job.id));
    await until(() => reader.events.length === 1, 'first event');

    // The job read fails: the job completes meanwhile.
    stack.sim.setFaults({ route: 'GET /jobs/{id}', error: { rate: 1 } });
    stack.sim.resetStats();
    stack.at(job, 1.5);
    await until(() => polls() >= 3, 'three failed polls');
    // Then only the metrics read fails: a terminal snapshot without its final metrics is not sent.
    stack.sim.setFaults({ route: 'GET /jobs/{id}/metrics', error: { rate: 1, status: 500 } });
    const before = metricReads();
    await until(() => metricReads() >= before + 2, 'two failed metrics reads');
    expect(reader.statuses()).toEqual(['running']);
    expect(reader.ended).toBeUndefined();

    stack.sim.setFaults({});
    await reader.finished;
    expect(reader.ended).toEqual({ done: true });
    expect(reader.statuses()).toEqual(['running', 'completed']);
    const [running, completed] = reader.events;
    expect(completed!.metrics!.points.length).toBeGreaterThan(running!.metrics!.points.length);
    expect(hub.pollerCount()).toBe(0);
  });

  it('ends the streams with the coded error when the upstream fails for longer than giveUpAfterMs', async () => {
    const hub = stack.hub({ intervals: { runningMs: 20, queuedMs: 20, maxBackoffMs: 40, giveUpAfterMs: 200 } });
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const reader = read(hub.watchJob(DEMO, job.id));
    await until(() => reader.events.length === 1, 'first event');
    stack.sim.setFaults({ route: 'GET /jobs/{id}', error: { rate: 1 } });
    await reader.finished;
    expect(codeOf(reader.ended)).toBe('UPSTREAM_UNAVAILABLE');
    expect(hub.pollerCount()).toBe(0);
  });

  it('waits as long as a Retry-After asks before polling again', async () => {
    // The hub's timers on a manual clock: a poll happens only when the test moves it.
    const clock = manualClock(JOB_SECONDS);
    const hub = stack.hub({ clock });
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const reader = read(hub.watchJob(DEMO, job.id));
    await until(() => reader.events.length === 1, 'first event');
    await until(() => clock.pendingTimers() === 1, 'the first poll to finish');
    stack.sim.setFaults({ route: 'GET /jobs/{id}', rateLimit: { count: 1, retryAfterSeconds: 1 } });
    stack.sim.resetStats();
    clock.advance(FAST.runningMs);
    await until(
      () => polls() === 1 && clock.pendingTimers() === 1,
      'the rate-limited poll, and the next one scheduled',
    );
    // At 20 ms intervals (80 ms at most with backoff), ignoring the Retry-After would poll within
    // this second many times; a timer firing would leave none pending until its poll was answered.
    for (let elapsed = 0; elapsed < 1_000 - FAST.runningMs; elapsed += FAST.runningMs) {
      clock.advance(FAST.runningMs);
      expect(clock.pendingTimers()).toBe(1);
    }
    expect(polls()).toBe(1);
    stack.at(job, 1.5);
    clock.advance(FAST.runningMs);
    await reader.finished;
    expect(reader.statuses()).toEqual(['running', 'completed']);
  });
});
