/**
 * `watchJobs`: an organization's jobs as they are created and change, from one list poller per
 * organization, optionally filtered by status (a job leaving the filter is reported once, so that a
 * filtered view can drop it).
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

describe('jobsUpdated', () => {
  it('sends the current jobs, then new jobs and changes, each version once, from one list poller', async () => {
    const hub = stack.hub();
    const first = await stack.createJob();
    const readers = Array.from({ length: 20 }, () => read(hub.watchJobs(DEMO)));
    await until(() => readers.every((r) => r.events.length === 1), 'the current job everywhere');
    expect(hub.listPollerCount()).toBe(1);

    stack.sim.resetStats();
    const started = Date.now();
    const second = await stack.createJob();
    await until(() => readers.every((r) => r.events.some((e) => e.job.id === second.id)), 'the new job everywhere');
    stack.at(first, 1.5);
    await until(
      () => readers.every((r) => r.events.filter((e) => e.job.status === 'completed').length === 2),
      'both jobs completed',
    );
    const elapsed = Date.now() - started;

    expect(stack.sim.stats()['GET /jobs'] ?? 0).toBeLessThanOrEqual(Math.ceil(elapsed / FAST.listMs) + 2);
    for (const r of readers) {
      expect(r.events.every((e) => e.metrics === null)).toBe(true);
      expect(new Set(r.events.map((e) => e.version)).size).toBe(r.events.length);
      expect(r.events.map((e) => e.version)).toEqual(readers[0]!.events.map((e) => e.version));
    }
    await Promise.all(readers.map((r) => r.iterator.return?.()));
    await until(() => hub.listPollerCount() === 0, 'the list poller to go');
  });

  it('filters by status, and reports a job leaving the filter', async () => {
    const hub = stack.hub();
    const early = await stack.createJob();
    stack.at(early, 0.5);
    const late = await stack.createJob();
    // Now `early` runs and `late` is queued.
    const running = read(hub.watchJobs(DEMO, { status: 'running' }));
    await until(() => running.events.length === 1, 'the running job');
    expect(running.events[0]?.job.id).toBe(early.id);

    stack.at(late, 0.3); // early: 0.8 of its run, still running (same job state: no event); late: running
    await until(() => running.events.some((e) => e.job.id === late.id), 'the late job running');
    stack.at(late, 0.65); // early: 1.15, completed, so it leaves the filter; late: still running
    await until(
      () => running.events.some((e) => e.job.id === early.id && e.job.status === 'completed'),
      'early leaving',
    );
    expect(running.events.filter((e) => e.job.status !== 'running').map((e) => e.job.id)).toEqual([early.id]);
    await running.iterator.return?.();
  });

  it('keeps every job when many arrive at once (a sliding buffer dropped all but the last 64)', async () => {
    const hub = stack.hub({ listPageSize: 25 });
    const jobs = [];
    for (let i = 0; i < 70; i += 1) jobs.push(await stack.createJob());
    stack.sim.resetStats();
    const reader = read(hub.watchJobs(DEMO));
    await until(() => reader.events.length === 70, 'all 70 jobs');
    expect(new Set(reader.events.map((e) => e.job.id))).toEqual(new Set(jobs.map((j) => j.id)));
    // The access check pages through the list: 25 + 25 + 20.
    expect(stack.sim.stats()['GET /jobs']).toBeGreaterThanOrEqual(3);
    await reader.iterator.return?.();
  });
});
