/**
 * A job's changes while Redis cannot be reached. An operator trial (a Redis outage of about 9 s, three
 * instances): subscribers, on every instance, got nothing for 10 to 14 s, and a status that began and
 * ended within the outage (STARTING) was never pushed, to a subscriber or to a webhook, although the
 * upstream was polled throughout. The lease holder's publish waited in ioredis's offline queue, went
 * out once Redis was back, and was refused by the lease check (Redis, restarted empty, had no lease
 * left): the change was dropped, and nothing had been delivered meanwhile, not even on the instance
 * that saw it. Now the holder delivers what it polls to its own subscribers at once, and publishes
 * what it owes, in order, as soon as Redis is back; when it cannot (another instance polls by then),
 * it says so.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveUpdates } from '../../src/live/hub.js';
import { connectRedis } from '../../src/server/connect-redis.js';
import { openGatewayRedis, type GatewayRedis } from '../../src/server/gateway-redis.js';
import { DEMO, read, spyClient, startLiveStack, until, type LiveStack, type Reader } from '../harness/hub-stack.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';
import { redisRelay } from '../harness/redis-relay.js';

/** Each status once, in the order a subscriber saw them (a status may come again with newer metrics). */
const statusPath = (reader: Reader) => reader.statuses().filter((status, i, all) => status !== all[i - 1]);

describe.skipIf(!REDIS)(`a job's changes while Redis cannot be reached${REDIS_SKIP_REASON}`, () => {
  // One relay per instance: Redis goes away for both at once, and may come back for one first.
  const relays = { a: redisRelay(), b: redisRelay() };
  const allRelays = () => Object.values(relays);
  let stack: LiveStack;
  let redises: GatewayRedis[];
  let outside: Redis;
  let warnings: string[];
  const keyPrefix = `test:outage:${randomUUID()}:`;

  beforeEach(async () => {
    await Promise.all(allRelays().map((relay) => relay.open()));
    stack = await startLiveStack();
    redises = [];
    warnings = [];
    outside = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(allRelays().map((relay) => relay.open()));
    await stack.close();
    await Promise.all(redises.map((redis) => redis.close()));
    const keys = await outside.keys(`${keyPrefix}*`);
    if (keys.length > 0) await outside.del(...keys);
    await outside.quit();
    await Promise.all(allRelays().map((relay) => relay.close()));
  });

  /** An instance as the gateway builds it: its connections through the relay, reconnecting every 50 ms. */
  function instance(name: 'a' | 'b') {
    const redis = openGatewayRedis(relays[name].url(), {
      logger: pino({ level: 'silent' }),
      rateLimit: false,
      connect: (url, options) => connectRedis(url, { ...options, retryStrategy: () => 50 }),
    });
    redises.push(redis);
    const spy = spyClient(stack.client);
    const hub: LiveUpdates = stack.hub({
      client: spy.client,
      redis: { publisher: redis.publisher, subscriber: redis.subscriber },
      keyPrefix,
      instanceId: name,
      // Neither the lease nor a heartbeat runs out during these outages of a second or so.
      intervals: { runningMs: 20, queuedMs: 20, listMs: 20, maxBackoffMs: 80, leaseMs: 10_000, heartbeatMs: 5_000 },
      logger: {
        debug: () => {},
        warn: (_fields, message) => void warnings.push(message ?? ''),
        error: () => {},
      },
    });
    return { hub, redis, polls: () => spy.calls.get('getJob')?.length ?? 0 };
  }

  /** `a` polls the job (it subscribed first), `b` has a subscriber too; both see it queued. */
  async function watchedOnTwoInstances() {
    const a = instance('a');
    const b = instance('b');
    const job = await stack.createJob();
    stack.at(job, 0.05);
    const onA = read(a.hub.watchJob(DEMO, job.id));
    await until(() => onA.events.length === 1 && a.polls() >= 3, 'a polling');
    const onB = read(b.hub.watchJob(DEMO, job.id));
    await until(() => onB.events.length === 1, 'the first event on b');
    return { a, b, job, onA, onB };
  }

  async function redisDown(...instances: Array<{ redis: GatewayRedis }>) {
    await Promise.all(allRelays().map((relay) => relay.close()));
    await until(() => instances.every(({ redis }) => redis.problem() !== null), 'Redis seen down');
  }

  /** Redis away; the job starts, then runs: the polling instance's subscriber sees both meanwhile. */
  async function startsAndRunsWhileRedisIsDown({
    a,
    b,
    job,
    onA,
    onB,
  }: Awaited<ReturnType<typeof watchedOnTwoInstances>>) {
    await redisDown(a, b);
    stack.at(job, 0.15);
    await until(() => onA.statuses().includes('starting'), 'STARTING on the polling instance, Redis down');
    stack.at(job, 0.4);
    await until(() => onA.statuses().at(-1) === 'running', 'RUNNING on the polling instance, Redis down');
    expect(a.redis.problem()).not.toBeNull();
    expect(statusPath(onB)).toEqual(['queued']); // nothing crosses instances without Redis
  }

  it('reach the polling instance’s subscribers during the outage, and the others’, in order, once Redis is back', async () => {
    const watched = await watchedOnTwoInstances();
    const { job, onA, onB } = watched;
    await startsAndRunsWhileRedisIsDown(watched);

    const back = Date.now();
    await Promise.all(allRelays().map((relay) => relay.open()));
    await until(() => onB.statuses().at(-1) === 'running', 'RUNNING on the other instance', 5_000);
    expect(Date.now() - back).toBeLessThan(3_000);
    expect(statusPath(onB)).toEqual(['queued', 'starting', 'running']);
    expect(statusPath(onA)).toEqual(['queued', 'starting', 'running']);
    expect(warnings.filter((w) => w.includes('delivered on this instance only'))).toEqual([]);

    stack.at(job, 1.5);
    await Promise.all([onA.finished, onB.finished]);
    expect(statusPath(onB)).toEqual(['queued', 'starting', 'running', 'completed']);
  });

  it('reach an instance that listens again only after they were published', async () => {
    const watched = await watchedOnTwoInstances();
    const { job, onA, onB } = watched;
    await startsAndRunsWhileRedisIsDown(watched);

    // Redis back for the polling instance only: it publishes what it owes, the other cannot hear it.
    await relays.a.open();
    const stateKey = `${keyPrefix}state:{job:${encodeURIComponent(DEMO.organizationId)}:${encodeURIComponent(job.id)}}`;
    let lastPublished = '';
    const reading = setInterval(() => void outside.get(stateKey).then((text) => (lastPublished = text ?? '')), 20);
    try {
      await until(() => lastPublished.includes('"running"'), 'what was owed, published');
    } finally {
      clearInterval(reading);
    }
    expect(statusPath(onB)).toEqual(['queued']);

    await relays.b.open();
    await until(() => onB.statuses().at(-1) === 'running', 'RUNNING on the other instance', 5_000);
    expect(statusPath(onB)).toEqual(['queued', 'starting', 'running']);
    stack.at(job, 1.5);
    await Promise.all([onA.finished, onB.finished]);
  });

  it('after Redis restarted empty: the latest state everywhere at once; a change that could not be published is said', async () => {
    const watched = await watchedOnTwoInstances();
    const { job, onA, onB } = watched;
    await startsAndRunsWhileRedisIsDown(watched);

    // What a Redis restarted without persistence has lost: leases, last states, heartbeats.
    const keys = await outside.keys(`${keyPrefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    await outside.del(...keys);

    const back = Date.now();
    await Promise.all(allRelays().map((relay) => relay.open()));
    await until(() => onB.statuses().at(-1) === 'running', 'RUNNING on the other instance', 5_000);
    expect(Date.now() - back).toBeLessThan(3_000);
    expect(statusPath(onA)).toEqual(['queued', 'starting', 'running']);
    // Either the polling instance kept its lease and published what it owed, or another took the
    // lease first (it found the holder's heartbeat gone), published the current state, and the
    // holder said what it could not publish.
    await until(
      () => statusPath(onB).includes('starting') || warnings.some((w) => w.includes('delivered on this instance only')),
      'STARTING on the other instance, or a warning that it was not published',
    );
    stack.at(job, 1.5);
    await Promise.all([onA.finished, onB.finished]);
    expect(statusPath(onB).at(-1)).toBe('completed');
  });
});
