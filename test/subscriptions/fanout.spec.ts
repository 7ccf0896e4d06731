/**
 * Many subscribers, one poller: 200 streams of one job cost one `GET /jobs/{id}` (and at most one
 * metrics read) per interval, and every stream gets every change, ending with the terminal one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, FAST, read, startLiveStack, until, type LiveStack } from '../harness/hub-stack.js';

let stack: LiveStack;
beforeEach(async () => {
  stack = await startLiveStack();
});
afterEach(async () => {
  await stack.close();
});

describe('one job, many subscribers', () => {
  it('polls once per interval for 200 subscribers, and all of them get every change and the terminal event', async () => {
    const hub = stack.hub();
    const job = await stack.createJob();
    stack.at(job, 0.05);
    const readers = Array.from({ length: 200 }, () => read(hub.watchJob(DEMO, job.id)));
    await until(() => readers.every((r) => r.events.length === 1), 'every first event');
    expect(hub.pollerCount()).toBe(1);
    expect(readers.every((r) => r.events[0]?.job.status === 'queued')).toBe(true);

    stack.sim.resetStats();
    const started = Date.now();
    const phases: Array<[number, string]> = [
      [0.15, 'starting'],
      [0.4, 'running'],
      [0.7, 'running'],
      [1, 'completed'],
    ];
    for (const [fraction, status] of phases) {
      stack.at(job, fraction);
      const count = readers[0]!.events.length;
      await until(
        () => readers.every((r) => r.events.length === count + 1 && r.events[count]?.job.status === status),
        `every ${status} event`,
      );
    }
    await Promise.all(readers.map((r) => r.finished));
    const elapsed = Date.now() - started;

    // Every poll is at least `runningMs` after the previous one, so this bounds the polls of one
    // shared poller; one poll per subscriber would be 200 times as many.
    const stats = stack.sim.stats();
    const bound = Math.ceil(elapsed / FAST.runningMs) + 2;
    expect(stats['GET /jobs/{id}'] ?? 0).toBeLessThanOrEqual(bound);
    // At most one metrics read per job read (plus one, if a poll straddled the reset).
    expect(stats['GET /jobs/{id}/metrics'] ?? 0).toBeLessThanOrEqual((stats['GET /jobs/{id}'] ?? 0) + 1);

    const expected = readers[0]!.events.map((e) => e.version);
    expect(new Set(expected).size).toBe(expected.length);
    for (const r of readers) {
      expect(r.ended).toEqual({ done: true });
      expect(r.events.map((e) => e.version)).toEqual(expected);
    }
    const terminal = readers[0]!.events.at(-1)!;
    expect(terminal.job.status).toBe('completed');
    expect(terminal.metrics?.points.length).toBeGreaterThan(0);
    const running = readers[0]!.events.filter((e) => e.job.status === 'running');
    expect(running[1]!.metrics!.points.length).toBeGreaterThan(running[0]!.metrics!.points.length);
    expect(hub.pollerCount()).toBe(0);
  });

  it('delivers the current state first to a subscriber who joins a running poller, then only changes', async () => {
    const hub = stack.hub();
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const first = read(hub.watchJob(DEMO, job.id));
    await until(() => first.events.length === 1, 'first event');
    const second = read(hub.watchJob(DEMO, job.id));
    await until(() => second.events.length === 1, 'the joiner’s first event');
    expect(second.events[0]?.version).toBe(first.events[0]?.version);
    expect(hub.pollerCount()).toBe(1);
    stack.at(job, 1);
    await Promise.all([first.finished, second.finished]);
    // The clock may move between a poll's job read and its metrics read, so a last running
    // snapshot (all points) can come before the completed one: both streams see the same ones.
    expect(first.statuses()[0]).toBe('running');
    expect(first.statuses().at(-1)).toBe('completed');
    expect(second.events.map((e) => e.version)).toEqual(first.events.map((e) => e.version));
  });
});
