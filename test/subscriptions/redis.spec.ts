/**
 * Several instances sharing one Redis: events reach subscribers on every instance, once each; one
 * instance at a time polls a job (the lease); when it stops or dies, another takes over without
 * losing the terminal event. Runs against a real Redis at REDIS_URL (default 127.0.0.1:6379), with
 * a key prefix of its own per run.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveUpdates } from '../../src/live/hub.js';
import { DEMO, read, spyClient, startLiveStack, until, type LiveStack, type Reader } from '../harness/hub-stack.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';

let stack: LiveStack;
let connections: Redis[];
const keyPrefix = `test:live:${randomUUID()}:`;

beforeEach(async () => {
  if (!REDIS) return;
  stack = await startLiveStack();
  connections = [];
});
afterEach(async () => {
  if (!REDIS) return;
  await stack.close();
  await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
});

interface Instance {
  hub: LiveUpdates;
  polls: () => number;
  resetPolls: () => void;
  publisher: Redis;
  subscriber: Redis;
}

/** Two connections for one hub, closed after the test: the hub never opens or closes Redis connections. */
function connected(): { publisher: Redis; subscriber: Redis } {
  const publisher = new Redis(REDIS_URL);
  const subscriber = new Redis(REDIS_URL);
  connections.push(publisher, subscriber);
  return { publisher, subscriber };
}

function instance(name: string, intervals: Record<string, number> = {}): Instance {
  const { publisher, subscriber } = connected();
  const spy = spyClient(stack.client);
  const hub = stack.hub({
    client: spy.client,
    redis: { publisher, subscriber },
    keyPrefix,
    instanceId: name,
    intervals: { runningMs: 20, queuedMs: 20, listMs: 20, maxBackoffMs: 80, leaseMs: 2_000, ...intervals },
  });
  return { hub, polls: () => spy.calls.get('getJob')?.length ?? 0, resetPolls: spy.reset, publisher, subscriber };
}

const versions = (r: Reader) => r.events.map((e) => e.version);
const lastStatus = (r: Reader) => r.events.at(-1)?.job.status;

describe.skipIf(!REDIS)(`two instances with Redis${REDIS_SKIP_REASON}`, () => {
  it('delivers every event to subscribers on both instances, once, with one instance polling', async () => {
    const a = instance('a');
    const b = instance('b');
    const job = await stack.createJob();
    stack.at(job, 0.05);
    const readers = [a, a, a, b, b, b].map((i) => read(i.hub.watchJob(DEMO, job.id)));
    await until(() => readers.every((r) => r.events.length === 1), 'first events everywhere');

    a.resetPolls();
    b.resetPolls();
    stack.sim.resetStats();
    for (const [fraction, status] of [
      [0.15, 'starting'],
      [0.4, 'running'],
      [0.7, 'running'],
      [1.5, 'completed'],
    ] as const) {
      stack.at(job, fraction);
      const count = readers[0]!.events.length;
      await until(
        () => readers.every((r) => r.events.length > count && lastStatus(r) === status),
        `${status} everywhere`,
      );
    }
    await Promise.all(readers.map((r) => r.finished));

    for (const r of readers) {
      expect(r.ended).toEqual({ done: true });
      expect(new Set(versions(r)).size).toBe(r.events.length);
      expect(versions(r)).toEqual(versions(readers[0]!));
    }
    // The lease never changed hands: one instance did all the polling.
    expect(Math.min(a.polls(), b.polls())).toBe(0);
    // And the simulator saw those polls only (give or take the one in flight when both were reset).
    const upstream = stack.sim.stats()['GET /jobs/{id}'] ?? 0;
    expect(Math.abs(upstream - Math.max(a.polls(), b.polls()))).toBeLessThanOrEqual(1);
    expect(a.hub.pollerCount() + b.hub.pollerCount()).toBe(0);
  });

  it('gives a subscriber joining on the instance that does not poll the current state at once', async () => {
    const a = instance('a');
    const b = instance('b');
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const onA = read(a.hub.watchJob(DEMO, job.id));
    await until(() => onA.events.length === 1, 'first event on a');
    b.resetPolls();
    const onB = read(b.hub.watchJob(DEMO, job.id));
    await until(() => onB.events.length === 1, 'first event on b');
    expect(onB.events[0]?.version).toBe(onA.events[0]?.version);
    expect(onB.events[0]?.job.createdAt).toBeInstanceOf(Date);
    expect(b.polls()).toBe(1); // its own access check, no poll
    stack.at(job, 1.5);
    await Promise.all([onA.finished, onB.finished]);
    expect(versions(onB)).toEqual(versions(onA));
  });

  it('hands over when the polling instance closes, without losing the terminal event', async () => {
    const a = instance('a');
    const b = instance('b');
    const job = await stack.createJob();
    stack.at(job, 0.3);
    const onA = read(a.hub.watchJob(DEMO, job.id));
    const onB = read(b.hub.watchJob(DEMO, job.id));
    await until(() => onA.events.length === 1 && onB.events.length === 1, 'first events');
    a.resetPolls();
    b.resetPolls();
    await until(() => a.polls() + b.polls() >= 3, 'some polls');
    const [holder, other, holderReader, otherReader] = a.polls() > 0 ? [a, b, onA, onB] : [b, a, onB, onA];

    await holder.hub.close();
    await holderReader.finished;
    expect(holderReader.ended).toEqual({ done: true });

    stack.at(job, 1.5);
    await otherReader.finished;
    expect(otherReader.ended).toEqual({ done: true });
    expect(lastStatus(otherReader)).toBe('completed');
    expect(other.polls()).toBeGreaterThan(0);
  });

  it('replaces an instance that dies holding the lease once its heartbeat expires, long before the lease', async () => {
    const a = instance('a', { leaseMs: 60_000, heartbeatMs: 300, giveUpAfterMs: 1_000 });
    const job = await stack.createJob();
    stack.at(job, 0.3);
    const onA = read(a.hub.watchJob(DEMO, job.id));
    await until(() => onA.events.length === 1 && a.polls() >= 3, 'a polling');
    const b = instance('b', { leaseMs: 60_000, heartbeatMs: 300 });
    const onB = read(b.hub.watchJob(DEMO, job.id));
    await until(() => onB.events.length === 1, 'first event on b');
    b.resetPolls();

    // A dies as far as Redis can tell: its connections drop and never come back.
    a.publisher.disconnect();
    a.subscriber.disconnect();
    stack.at(job, 1.5);
    await onB.finished;
    expect(onB.ended).toEqual({ done: true });
    expect(lastStatus(onB)).toBe('completed');
    expect(b.polls()).toBeGreaterThan(0);
  });

  it('shares one organization’s list between instances', async () => {
    const hubs = ['a', 'b'].map((name) =>
      stack.hub({
        redis: connected(),
        keyPrefix,
        instanceId: name,
        intervals: { runningMs: 20, queuedMs: 20, listMs: 20, leaseMs: 2_000 },
      }),
    );
    const job = await stack.createJob();
    const readers = hubs.map((hub) => read(hub.watchJobs(DEMO)));
    await until(() => readers.every((r) => r.events.length === 1), 'the current job on both');
    const added = await stack.createJob();
    stack.at(job, 1.5);
    for (const r of readers) {
      await until(() => r.events.filter((e) => e.job.status === 'completed').length === 2, 'both jobs completed');
      expect(new Set(r.events.map((e) => e.version)).size).toBe(r.events.length);
      expect(r.events.some((e) => e.job.id === added.id)).toBe(true);
      await r.iterator.return?.();
    }
    await until(() => hubs.every((hub) => hub.listPollerCount() === 0), 'no list pollers');
  });
});
