/**
 * Regression (operator trial: two instances, one Redis, a 64 s outage): `jobsUpdated` subscribers on
 * the instance that did not poll the list stayed wrong for good: jobs that moved during the outage
 * stuck at their old status, jobs created meanwhile missing, ten minutes later still. The polling
 * instance published what it owed as soon as its own connection was back, before the other instance
 * listened again (each connection reconnects on its own, up to 2 s apart), and Redis keeps no last
 * state of a list: those messages were lost to it, and a job that does not change again is never
 * published again. Now a standby reads the list itself once after each reconnection (for its own
 * subscribers only), so every stream converges. A new subscription during the outage ends with
 * SERVICE_UNAVAILABLE (Redis, the gateway's own store), not UPSTREAM_UNAVAILABLE (the upstream was fine).
 *
 * Each instance reaches Redis through a relay of its own, reconnecting every 50 ms: ioredis's 20
 * retries pass within the outage, as they did in the trial's 64 s (the commands it held then fail).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveUpdates } from '../../src/live/hub.js';
import { connectRedis } from '../../src/server/connect-redis.js';
import { openGatewayRedis, type GatewayRedis } from '../../src/server/gateway-redis.js';
import { codeOf, DEMO, read, sleep, spyClient, startLiveStack, until, type LiveStack } from '../harness/hub-stack.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';
import { eventually } from '../harness/stack.js';
import { redisRelay } from '../harness/redis-relay.js';

describe.skipIf(!REDIS)(`jobsUpdated on a standby instance after a long Redis outage${REDIS_SKIP_REASON}`, () => {
  const relays = { a: redisRelay(), b: redisRelay() };
  let stack: LiveStack;
  let redises: GatewayRedis[];
  let outside: Redis;
  const keyPrefix = `test:list-outage:${randomUUID()}:`;

  beforeEach(async () => {
    await Promise.all(Object.values(relays).map((relay) => relay.open()));
    stack = await startLiveStack();
    redises = [];
    outside = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(Object.values(relays).map((relay) => relay.open()));
    await stack.close();
    await Promise.all(redises.map((redis) => redis.close()));
    const keys = await outside.keys(`${keyPrefix}*`);
    if (keys.length > 0) await outside.del(...keys);
    await outside.quit();
    await Promise.all(Object.values(relays).map((relay) => relay.close()));
  });

  function instance(name: 'a' | 'b'): { hub: LiveUpdates; redis: GatewayRedis; lists: () => number } {
    const redis = openGatewayRedis(relays[name].url(), {
      logger: pino({ level: 'silent' }),
      rateLimit: false,
      connect: (url, options) => connectRedis(url, { ...options, retryStrategy: () => 50 }),
    });
    redises.push(redis);
    const spy = spyClient(stack.client);
    const hub = stack.hub({
      client: spy.client,
      redis: { publisher: redis.publisher, subscriber: redis.subscriber },
      keyPrefix,
      instanceId: name,
      // The lease outlives the outage: the polling instance keeps it, the other stays a standby.
      intervals: { runningMs: 20, queuedMs: 20, listMs: 20, maxBackoffMs: 80, leaseMs: 10_000, heartbeatMs: 5_000 },
    });
    return { hub, redis, lists: () => spy.calls.get('listJobs')?.length ?? 0 };
  }

  it('converges on every instance: what moved and what was created during the outage', async () => {
    const job = await stack.createJob();
    stack.at(job, 0.05);
    const b = instance('b');
    const onB = read(b.hub.watchJobs(DEMO));
    await until(() => b.hub.heldLeaseCount('jobs') === 1 && onB.events.length > 0, 'b polling the list');
    const a = instance('a');
    const onA = read(a.hub.watchJobs(DEMO));
    await until(() => onA.events.some((e) => e.job.id === job.id), 'the job listed on a');
    const channel = `${keyPrefix}events:{jobs:${encodeURIComponent(DEMO.organizationId)}}`;
    await eventually(
      async () => {
        const [, listening] = (await outside.pubsub('NUMSUB', channel)) as [string, number];
        return listening === 2 ? true : undefined;
      },
      5_000,
      'both instances listening',
    );
    expect(a.hub.heldLeaseCount('jobs')).toBe(0);

    await Promise.all(Object.values(relays).map((relay) => relay.close()));
    await until(() => a.redis.problem() !== null && b.redis.problem() !== null, 'Redis seen down');
    const created = await stack.createJob();
    stack.at(job, 0.5);
    const statusOn = (reader: typeof onA, id: string) =>
      reader.events.filter((e) => e.job.id === id).at(-1)?.job.status;
    await until(() => statusOn(onB, job.id) === 'running' && statusOn(onB, created.id) !== undefined, 'b polling');
    await sleep(1_500); // past ioredis's 20 retries: what it held for Redis fails

    // Redis back for the polling instance first: what it owed goes out while `a` cannot hear it.
    const listener = new Redis(REDIS_URL);
    const heard: string[] = [];
    listener.on('message', (_channel: string, message: string) => heard.push(message));
    await listener.subscribe(channel);
    await relays.b.open();
    await until(() => heard.some((m) => m.includes(created.id)), 'what b owed, published');
    await listener.quit();
    expect(statusOn(onA, job.id)).toBe('queued');

    await relays.a.open();
    await until(
      () => statusOn(onA, job.id) === 'running' && statusOn(onA, created.id) !== undefined,
      'the changes on a',
      8_000,
    );
    expect(a.hub.heldLeaseCount('jobs')).toBe(0); // a standby's own read, not a takeover
  }, 30_000);

  it('ends a new jobUpdated during the outage with SERVICE_UNAVAILABLE, not an upstream code', async () => {
    const job = await stack.createJob();
    stack.at(job, 0.05);
    const a = instance('a');
    await until(() => a.redis.problem() === null, 'connected');
    await relays.a.close();
    await until(() => a.redis.problem() !== null, 'Redis seen down');
    const reader = read(a.hub.watchJob(DEMO, job.id));
    await reader.finished;
    expect(codeOf(reader.ended)).toBe('SERVICE_UNAVAILABLE');
    expect(reader.events).toEqual([]);
  }, 30_000);
});
