/**
 * An instance without the lease never polls, so its subscribers' tokens would be checked only at
 * join and at `exp`. It re-checks them now and then: a token the upstream stops accepting ends its
 * subscriptions there too, while other subscribers carry on. The revocation is played by a wrapper
 * around the real client (the simulator has no way to revoke a token).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/upstream/errors.js';
import type { Credentials, UpstreamClient } from '../../src/upstream/types.js';
import type { Clock } from '../../src/live/clock.js';
import { manualClock } from '../harness/manual-clock.js';
import { DEMO, JOB_SECONDS, read, startLiveStack, until, type LiveStack } from '../harness/hub-stack.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';

const keyPrefix = `test:standby:${randomUUID()}:`;
let stack: LiveStack;
let connections: Redis[] = [];

beforeEach(async () => {
  if (!REDIS) return;
  stack = await startLiveStack();
});
afterEach(async () => {
  if (!REDIS) return;
  await stack.close();
  await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
  connections = [];
});

function revoking(client: UpstreamClient, revoked: Set<string>): UpstreamClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (creds: Credentials, ...rest: unknown[]) => {
        if (revoked.has(creds.token))
          return Promise.reject(new UpstreamError('UNAUTHENTICATED', 'the token was revoked', { status: 401 }));
        return (value as (...args: unknown[]) => unknown).call(target, creds, ...rest);
      };
    },
  });
}

function hubOn(client: UpstreamClient, name: string, standbyRecheckMs: number, clock?: Clock) {
  const publisher = new Redis(REDIS_URL);
  const subscriber = new Redis(REDIS_URL);
  connections.push(publisher, subscriber);
  return stack.hub({
    client,
    redis: { publisher, subscriber },
    keyPrefix,
    instanceId: name,
    ...(clock ? { clock } : {}),
    intervals: { runningMs: 20, queuedMs: 20, listMs: 20, maxBackoffMs: 80, leaseMs: 2_000, standbyRecheckMs },
  });
}

describe.skipIf(!REDIS)(`standby instances re-check their subscribers' tokens${REDIS_SKIP_REASON}`, () => {
  it('a revoked token ends its subscriptions on an instance that does not poll; the others go on', async () => {
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const revoked = new Set<string>();
    const holder = hubOn(stack.client, 'holder', 50);
    const first = read(holder.watchJob(DEMO, job.id));
    await until(() => first.events.length === 1, 'the holder to start polling');

    const standby = hubOn(revoking(stack.client, revoked), 'standby', 50);
    const other: Credentials = {
      token: await stack.jwt('demo-org', Date.now() + 3_600_000),
      organizationId: 'demo-org',
    };
    const kept = read(standby.watchJob(DEMO, job.id));
    const doomed = read(standby.watchJob(other, job.id));
    await until(() => kept.events.length === 1 && doomed.events.length === 1, 'both standby subscribers to start');

    revoked.add(other.token);
    await until(() => doomed.ended !== undefined, "the revoked token's subscription to end");
    expect(doomed.ended).toEqual({ error: expect.objectContaining({ code: 'UNAUTHENTICATED' }) });

    stack.at(job, 1.5);
    await until(() => kept.statuses().at(-1) === 'completed', 'the other standby subscriber to get the terminal event');
    await until(() => first.statuses().at(-1) === 'completed', "the holder's subscriber to get it");
  });

  it('each token of the standby is re-checked once per interval, not one token per interval', async () => {
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const holder = hubOn(stack.client, 'holder', 0);
    const first = read(holder.watchJob(DEMO, job.id));
    await until(() => first.events.length === 1, 'the holder to start polling');
    const asked = new Map<string, number>();
    const counting = new Proxy(stack.client, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (creds: Credentials, ...rest: unknown[]) => {
          asked.set(creds.token, (asked.get(creds.token) ?? 0) + 1);
          return (value as (...a: unknown[]) => unknown).call(target, creds, ...rest);
        };
      },
    });
    const tokens = await Promise.all(
      [1, 2, 3, 4].map((n) => stack.jwt('demo-org', Date.now() + 3_600_000 + n * 1_000)),
    );
    // Re-checks every 200 ms of the standby's own clock, its turns 20 ms apart.
    const clock = manualClock(JOB_SECONDS);
    const standby = hubOn(counting, 'standby', 200, clock);
    const streams = tokens.map((token) => read(standby.watchJob({ token, organizationId: 'demo-org' }, job.id)));
    await until(() => streams.every((s) => s.events.length === 1), 'the standby subscribers to start');
    const atJoin = new Map(asked);
    // Its timers when it waits: the three of the other test, and each subscriber's token expiry.
    const waitingTimers = 3 + tokens.length;
    // An interval and a half, 16 turns of 20 ms (re-checks fall on turns: one every third, 60 ms, for
    // four tokens); one token per interval would have re-checked one of them, or two.
    for (let turn = 0; turn < 16; turn++) {
      await until(() => clock.pendingTimers() === waitingTimers, 'the standby poller to wait for its next turn');
      clock.advance(20);
    }
    await until(() => clock.pendingTimers() === waitingTimers, 'the last turn to end');
    const rechecked = tokens.filter((token) => (asked.get(token) ?? 0) > (atJoin.get(token) ?? 0));
    expect(rechecked).toHaveLength(4);
    void first.iterator.return?.();
    for (const s of streams) void s.iterator.return?.();
  });

  it('with re-checks off, the standby instance asks the upstream nothing while it waits', async () => {
    const job = await stack.createJob();
    stack.at(job, 0.5);
    const holder = hubOn(stack.client, 'holder', 0);
    const first = read(holder.watchJob(DEMO, job.id));
    await until(() => first.events.length === 1, 'the holder to start polling');
    let standbyCalls = 0;
    const counting = new Proxy(stack.client, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          standbyCalls += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    // The standby's timers on a manual clock: each advance is one turn of its poller, exactly.
    const clock = manualClock(JOB_SECONDS);
    const standby = hubOn(counting, 'standby', 0, clock);
    const waiting = read(standby.watchJob(DEMO, job.id));
    await until(() => waiting.events.length === 1, 'the standby subscriber to start');
    const afterJoin = standbyCalls;
    // Its timers when it waits: the poller's turn, the heartbeat's refresh and the check of the holder's heartbeat.
    const waitingTimers = 3;
    // Fifteen turns (the 300 ms the holder polls in): each tries the lease, finds it held, and waits again.
    for (let turn = 0; turn < 15; turn++) {
      await until(() => clock.pendingTimers() === waitingTimers, 'the standby poller to wait for its next turn');
      clock.advance(20);
    }
    await until(() => clock.pendingTimers() === waitingTimers, 'the last turn to end');
    expect(standbyCalls).toBe(afterJoin);
    void first.iterator.return?.();
    void waiting.iterator.return?.();
  });
});
