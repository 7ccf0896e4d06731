/**
 * What broke: after an upstream outage, `jobUpdated` subscribers learnt of a job's completion ~25 s
 * after `jobsUpdated` subscribers (and webhooks) did: the list poll saw it as soon as the upstream
 * answered again, while the job's poller sat out its backoff (`maxBackoffMs`). Now an answer for the
 * account wakes the job's poller in backoff, and a healthy one whose job the list shows moved on,
 * within the poll-failure policy's pace. The hubs' timers run on a manual clock, so each test says
 * at what clock time the `jobUpdated` subscriber got what, and how many upstream calls it took.
 *
 * Intervals are the defaults' (running 2 s, list 5 s, backoff up to 30 s): an outage of 61 s leaves
 * the job poller waiting until +90 s (polls failed at +2, +6, +14, +30, +60) and the list poller
 * until +65 s (+5, +15, +35): the 25 s of the report.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveUpdates } from '../../src/live/hub.js';
import type { JobSnapshot } from '../../src/live/snapshot.js';
import { manualClock, type ManualClock } from '../harness/manual-clock.js';
import { DEMO, JOB_SECONDS, startLiveStack, until, type LiveStack } from '../harness/hub-stack.js';

const DEFAULTS = { runningMs: 2_000, queuedMs: 5_000, listMs: 5_000, maxBackoffMs: 30_000 };
const OUTAGE = { error: { rate: 1, status: 503 as const } };

let stack: LiveStack;
let clock: ManualClock;
let hub: LiveUpdates;
let t0: number;
beforeEach(async () => {
  stack = await startLiveStack();
  clock = manualClock(JOB_SECONDS);
});
afterEach(async () => {
  await stack.close();
});

const calls = (route: string) => stack.sim.stats()[route] ?? 0;
const since = () => clock.now() - t0;

/** A stream read in the background, each event with the clock time (ms since t0) it arrived at. */
function timed(iterator: AsyncIterableIterator<JobSnapshot>) {
  const got: Array<{ status: string; at: number }> = [];
  void (async () => {
    for await (const event of iterator) got.push({ status: event.job.status, at: since() });
  })().catch(() => {});
  return got;
}

/** Every poller alive has set its next timer: nothing is in flight. */
const settled = () =>
  until(() => clock.pendingTimers() === hub.pollerCount() + hub.listPollerCount(), 'the polls under way to end');

/** Moves the clock `ms` forward a second at a time, each second's polls ended before the next; calls `each` after each. */
async function step(ms: number, each: () => void = () => {}) {
  for (let moved = 0; moved < ms; moved += 1_000) {
    clock.advance(1_000);
    await settled();
    each();
  }
}

/** A job watched by a `jobUpdated` and a `jobsUpdated` subscriber, both pollers waiting their first interval. */
async function watched(fraction: number, intervals = DEFAULTS) {
  hub = stack.hub({ clock, intervals });
  const job = await stack.createJob();
  stack.at(job, fraction);
  t0 = clock.now();
  const jobEvents = timed(hub.watchJob(DEMO, job.id));
  const listEvents = timed(hub.watchJobs(DEMO));
  await until(() => jobEvents.length === 1 && listEvents.length === 1, 'the first events');
  await settled();
  return { job, jobEvents, listEvents };
}

describe('a job poller after an upstream outage', () => {
  it('delivers the completion at the list poll that saw it, with one read of the job', async () => {
    const { job, jobEvents, listEvents } = await watched(0.5);
    stack.sim.setFaults(OUTAGE);
    stack.at(job, 1.5);
    await step(61_000);
    expect(jobEvents).toEqual([{ status: 'running', at: 0 }]);

    stack.sim.setFaults({});
    stack.sim.resetStats();
    await step(4_000);
    expect(listEvents.at(-1)).toEqual({ status: 'completed', at: 65_000 });
    // Before the fix: nothing until the job poller's own timer, at +90 s.
    expect(jobEvents).toEqual([
      { status: 'running', at: 0 },
      { status: 'completed', at: 65_000 },
    ]);
    expect([calls('GET /jobs'), calls('GET /jobs/{id}'), calls('GET /jobs/{id}/metrics')]).toEqual([1, 1, 1]);
    expect(hub.pollerCount()).toBe(0);
  });

  it('keeps its backoff when the poll it was woken for fails again', async () => {
    const { job, jobEvents } = await watched(0.5);
    stack.sim.setFaults(OUTAGE);
    stack.at(job, 1.5);
    await step(61_000);

    // The list answers again, the job does not: one poll at the list's answer, then the backoff's pace.
    stack.sim.setFaults({ route: 'GET /jobs/{id}', ...OUTAGE });
    stack.sim.resetStats();
    const jobPolls: number[] = [];
    let seen = 0;
    const record = () => {
      for (; seen < calls('GET /jobs/{id}'); seen += 1) jobPolls.push(since());
    };
    await step(33_000, record);
    // Woken at +65 s (before the fix: its own timer, +90 s); the six list polls of the next 30 s woke nothing.
    expect(jobPolls).toEqual([65_000]);
    expect(calls('GET /jobs')).toBe(6);
    await step(1_000, record);
    expect(jobPolls).toEqual([65_000, 95_000]);
    expect(jobEvents).toEqual([{ status: 'running', at: 0 }]);

    // One early poll per outage: until a poll of its own succeeds, the list's answers leave it to its backoff.
    stack.sim.setFaults({});
    await step(30_000, record);
    expect(jobPolls).toEqual([65_000, 95_000, 125_000]);
    expect(jobEvents).toEqual([
      { status: 'running', at: 0 },
      { status: 'completed', at: 125_000 },
    ]);
  });

  it('costs a healthy job poller no call per list poll, and one when the list shows its job moved on', async () => {
    const intervals = { ...DEFAULTS, queuedMs: 10_000, listMs: 2_000 };
    const { job, jobEvents } = await watched(0.05, intervals);
    stack.sim.resetStats();
    await step(20_000);
    expect([calls('GET /jobs'), calls('GET /jobs/{id}')]).toEqual([10, 2]);

    stack.at(job, 0.15);
    await step(10_000);
    // Seen by the list poll at +22 s (before the fix: the job poller's own, at +30 s), then +32 s.
    expect(jobEvents).toEqual([
      { status: 'queued', at: 0 },
      { status: 'starting', at: 22_000 },
    ]);
    expect([calls('GET /jobs'), calls('GET /jobs/{id}')]).toEqual([15, 3]);
  });
});
