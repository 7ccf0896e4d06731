/**
 * Failover between two instances on one Redis, exactly: both hubs run their timers on manual clocks,
 * so a hub whose clock the test does not move is a paused (or dead) process: it neither polls nor
 * refreshes its heartbeat. Redis is real, so a heartbeat key expires in real time; the test waits for
 * that as an event, never for a duration.
 *
 * The holder pauses; its heartbeat expires while its lease (60 s) is still far from expiring; the
 * standby's next heartbeat check (one sixth of the heartbeat) finds it, and the standby takes the
 * lease over and publishes at once. Then the old holder wakes up, polls a new state, and must not
 * publish it: its publish is refused by the lease check (fencing), and the new state reaches every
 * subscriber exactly once, from the new holder.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveUpdatesLogger } from '../../src/live/options.js';
import { decodeSnapshots } from '../../src/live/snapshot-codec.js';
import { manualClock, type ManualClock } from '../harness/manual-clock.js';
import { eventually } from '../harness/stack.js';
import { DEMO, JOB_SECONDS, read, spyClient, startLiveStack, until, type LiveStack } from '../harness/hub-stack.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';

const INTERVAL_MS = 20;
const HEARTBEAT_MS = 300;
const CHECK_MS = HEARTBEAT_MS / 6;
const LEASE_MS = 60_000;

let stack: LiveStack;
let connections: Redis[];
let admin: Redis;
const keyPrefix = `test:failover:${randomUUID()}:`;

beforeEach(async () => {
  if (!REDIS) return;
  stack = await startLiveStack();
  admin = new Redis(REDIS_URL);
  connections = [admin];
});
afterEach(async () => {
  if (!REDIS) return;
  await stack.close();
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
});

function instance(name: string) {
  const publisher = new Redis(REDIS_URL);
  const subscriber = new Redis(REDIS_URL);
  connections.push(publisher, subscriber);
  const clock: ManualClock = manualClock(JOB_SECONDS);
  const logs: string[] = [];
  const logger: LiveUpdatesLogger = {
    debug() {},
    warn: (_obj, msg) => logs.push(msg ?? ''),
    error: (_obj, msg) => logs.push(msg ?? ''),
  };
  const spy = spyClient(stack.client);
  const hub = stack.hub({
    client: spy.client,
    redis: { publisher, subscriber },
    keyPrefix,
    instanceId: name,
    clock,
    logger,
    intervals: {
      runningMs: INTERVAL_MS,
      queuedMs: INTERVAL_MS,
      listMs: INTERVAL_MS,
      leaseMs: LEASE_MS,
      heartbeatMs: HEARTBEAT_MS,
    },
  });
  return { hub, clock, logs, polls: () => spy.calls.get('getJob')?.length ?? 0 };
}

/** Every message published on a job's channel, by anyone, as the versions it carried. */
async function channelOf(jobId: string) {
  const listener = new Redis(REDIS_URL);
  connections.push(listener);
  const versions: string[] = [];
  listener.on('message', (_channel: string, message: string) =>
    versions.push(...decodeSnapshots(message).map((s) => s.version)),
  );
  await listener.subscribe(`${keyPrefix}events:{job:demo-org:${encodeURIComponent(jobId)}}`);
  return versions;
}

describe.skipIf(!REDIS)(`failover between instances on Redis${REDIS_SKIP_REASON}`, () => {
  it('takes over from a paused holder within its heartbeat, and fences the holder when it wakes up', async () => {
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const leaseKey = `${keyPrefix}lease:{job:demo-org:${encodeURIComponent(job.id)}}`;
    const published = await channelOf(job.id);

    const a = instance('a');
    const onA = read(a.hub.watchJob(DEMO, job.id));
    await until(() => onA.events.length === 1 && published.length === 1, 'a to poll and publish the current state');
    expect(await admin.get(leaseKey)).toMatch(/^a:/);

    const b = instance('b');
    const onB = read(b.hub.watchJob(DEMO, job.id));
    // B's timers once it waits as a standby: its poll turn, its heartbeat refresh and the check of A's heartbeat.
    await until(() => onB.events.length === 1 && b.clock.pendingTimers() === 3, 'b to wait as a standby, watching a');
    const v0 = onA.events[0]!.version;
    expect(onB.events.map((e) => e.version)).toEqual([v0]);

    // A is paused from now on: its clock stands still. Its heartbeat expires; its lease does not.
    await eventually(
      async () => ((await admin.exists(`${keyPrefix}alive:{instances}:a`)) === 0 ? true : undefined),
      5_000,
      "a's heartbeat to expire",
    );
    expect(await admin.pttl(leaseKey)).toBeGreaterThan(LEASE_MS / 2);

    // One heartbeat check on B finds A gone: B takes the lease over and publishes the full state at once.
    const bPolls = b.polls();
    b.clock.advance(CHECK_MS);
    await until(() => published.length === 2, 'b to publish on taking over');
    expect(await admin.get(leaseKey)).toMatch(/^b:/);
    expect(b.polls()).toBe(bPolls + 1);
    expect(b.logs).toContain(
      'live updates: took over the poll lease of an instance that stopped heartbeating, before the lease expired',
    );

    // The job moves on; A wakes up, still believing it holds the lease, polls the new state and tries to publish it.
    stack.at(job, 0.7);
    const aPolls = a.polls();
    a.clock.advance(INTERVAL_MS);
    await until(
      () => a.logs.includes("live updates: publish refused: the poll lease is another instance's now"),
      "a's publish to be refused",
    );
    expect(a.polls()).toBe(aPolls + 1);

    // B's next turn publishes the new state: the first and only time it goes out (a message of A's
    // would have arrived before it, on the same channel).
    b.clock.advance(INTERVAL_MS);
    await until(() => onA.events.length === 2 && onB.events.length === 2, 'the new state on both instances');
    const v1 = onB.events[1]!.version;
    expect(v1).not.toBe(v0);
    expect(published).toEqual([v0, v0, v1]);
    expect(onA.events.map((e) => e.version)).toEqual([v0, v1]);
    expect(await admin.get(leaseKey)).toMatch(/^b:/);

    // And to the end: the terminal state, from B, reaches both.
    stack.at(job, 1.5);
    b.clock.advance(INTERVAL_MS);
    await Promise.all([onA.finished, onB.finished]);
    expect(onA.statuses().at(-1)).toBe('completed');
    expect(onB.events.map((e) => e.version)).toEqual(onA.events.map((e) => e.version));
    await until(() => published.length === 4, 'the terminal state on the channel');
    expect(published.slice(3)).toEqual([onA.events.at(-1)!.version]);
  });

  it('takes over from a holder that shut down, with no warning: a shutdown is no failure (operator trial)', async () => {
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const leaseKey = `${keyPrefix}lease:{job:demo-org:${encodeURIComponent(job.id)}}`;
    const a = instance('a');
    const onA = read(a.hub.watchJob(DEMO, job.id));
    await until(() => onA.events.length === 1, 'a to poll');
    const b = instance('b');
    const onB = read(b.hub.watchJob(DEMO, job.id));
    await until(() => onB.events.length === 1 && b.clock.pendingTimers() === 3, 'b to wait as a standby, watching a');

    await a.hub.close();
    expect(await admin.get(`${keyPrefix}alive:{instances}:a`)).toBe('stopped');
    // B's next check finds A stopped and takes the lease at once, as from a dead holder.
    b.clock.advance(CHECK_MS);
    await eventually(
      async () => ((await admin.get(leaseKey))?.startsWith('b:') ? true : undefined),
      5_000,
      'b to hold',
    );
    stack.at(job, 1.5);
    b.clock.advance(INTERVAL_MS);
    await onB.finished;
    expect(onB.statuses().at(-1)).toBe('completed');
    expect([...a.logs, ...b.logs]).toEqual([]);
  });
});
