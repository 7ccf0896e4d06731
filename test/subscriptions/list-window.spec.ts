/**
 * The list's window (`listMaxJobs`, here 5): a running job that newer jobs push out of the window
 * still delivers its later changes to `jobsUpdated` (it used to be silently dropped: no completion,
 * ever), read by id at each list poll until it finishes, and no more once it has. A job named by the
 * subscriber (`follow`) is followed even by a poller that never listed it. Calls counted from the
 * simulator, with the hub on a manual clock so that each poll is one `advance`.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src/upstream/schemas.js';
import { manualClock, type ManualClock } from '../harness/manual-clock.js';
import {
  DEMO,
  FAST,
  JOB_SECONDS,
  read,
  startLiveStack,
  until,
  type LiveStack,
  type Reader,
} from '../harness/hub-stack.js';

const WINDOW = { listMaxJobs: 5, listPageSize: 5 };

let stack: LiveStack;
let clock: ManualClock;
beforeEach(async () => {
  stack = await startLiveStack();
  clock = manualClock(JOB_SECONDS);
});
afterEach(async () => {
  await stack.close();
});

/** Waits for the list poller to wait for its next poll (no poll in flight). */
const idle = () => until(() => clock.pendingTimers() === 1, 'the list poller to wait for its next poll');
/** One list poll, to its end. */
async function poll(): Promise<void> {
  clock.advance(FAST.listMs);
  await idle();
}
const calls = () => stack.sim.stats();
const saw = (reader: Reader, id: string, status: string) =>
  reader.events.some((e) => e.job.id === id && e.job.status === status);

describe('jobsUpdated past the list window', () => {
  it("delivers a running job's completion after newer jobs pushed it out, reading it by id until then", async () => {
    const hub = stack.hub({ clock, ...WINDOW });
    const x = await stack.createJob();
    stack.at(x, 0.3); // running
    const reader = read(hub.watchJobs(DEMO));
    await until(() => saw(reader, x.id, 'running'), 'the running job');
    await idle();

    const newer: Job[] = [];
    for (let i = 0; i < 7; i += 1) newer.push(await stack.createJob());
    stack.sim.resetStats();
    await poll();
    // The window is the 5 newest; the 2 jobs created and pushed out within one interval were never
    // seen, and are not watched (documented). The running job, seen before, is read by id.
    expect(calls()).toEqual({ 'GET /jobs': 1, 'GET /jobs/{id}': 1 });
    const seen = new Set(reader.events.map((e) => e.job.id));
    expect(newer.filter((job) => seen.has(job.id)).map((job) => job.id)).toEqual(newer.slice(2).map((job) => job.id));

    stack.sim.resetStats();
    await poll();
    await poll();
    expect(calls()).toEqual({ 'GET /jobs': 2, 'GET /jobs/{id}': 2 });

    stack.at(x, 1.2); // completed
    await poll();
    expect(saw(reader, x.id, 'completed')).toBe(true);
    expect(reader.events.filter((e) => e.job.id === x.id).map((e) => e.job.status)).toEqual(['running', 'completed']);

    // Finished: never read again.
    stack.sim.resetStats();
    await poll();
    await poll();
    expect(calls()).toEqual({ 'GET /jobs': 2 });
    await reader.iterator.return?.();
  });

  it('follows a job the subscriber names, past the window before the poller started; an unknown one is read once', async () => {
    const x = await stack.createJob();
    stack.at(x, 0.3);
    for (let i = 0; i < 5; i += 1) await stack.createJob();
    const hub = stack.hub({ clock, ...WINDOW });
    stack.sim.resetStats();
    const reader = read(hub.watchJobs(DEMO, {}, { follow: [x.id, randomUUID()] }));
    await until(() => saw(reader, x.id, 'running'), 'the named job, running');
    await idle();
    // The access check's list; the first poll takes its list and reads the two named jobs by id.
    expect(calls()).toEqual({ 'GET /jobs': 1, 'GET /jobs/{id}': 2 });
    expect(reader.events).toHaveLength(6);

    stack.sim.resetStats();
    await poll();
    expect(calls()).toEqual({ 'GET /jobs': 1, 'GET /jobs/{id}': 1 });

    stack.at(x, 1.2);
    await poll();
    expect(saw(reader, x.id, 'completed')).toBe(true);
    stack.sim.resetStats();
    await poll();
    expect(calls()).toEqual({ 'GET /jobs': 1 });
    await reader.iterator.return?.();
  });

  it('reads at most listFollowPerPoll jobs by id per poll, each in turn', async () => {
    const hub = stack.hub({ clock, ...WINDOW, listFollowPerPoll: 2 });
    const old: Job[] = [];
    for (let i = 0; i < 3; i += 1) old.push(await stack.createJob());
    stack.at(old[0]!, 0.3);
    const reader = read(hub.watchJobs(DEMO));
    await until(() => old.every((job) => saw(reader, job.id, 'running')), 'three running jobs');
    await idle();
    for (let i = 0; i < 5; i += 1) await stack.createJob();
    stack.sim.resetStats();
    await poll();
    await poll();
    await poll();
    // Three followed jobs, two reads a poll: 6 reads, each job read twice.
    expect(calls()).toEqual({ 'GET /jobs': 3, 'GET /jobs/{id}': 6 });

    stack.at(old[0]!, 1.2); // the three complete
    await poll();
    await poll();
    for (const job of old) expect(saw(reader, job.id, 'completed')).toBe(true);
    stack.sim.resetStats();
    await poll();
    expect(calls()).toEqual({ 'GET /jobs': 1 });
    await reader.iterator.return?.();
  });
});
