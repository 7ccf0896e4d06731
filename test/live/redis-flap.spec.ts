/**
 * Regression (CI run of 54c80eb): Redis lost just after a reconnection, while the subscriber
 * connection resubscribed, then unreachable for ioredis's 20 retries. ioredis's own resubscription is
 * a promise nobody handles: its rejection was an unhandled rejection, which ends a Node process. Now
 * the gateway resubscribes itself (autoResubscribe off), handling the failure, and after Redis is
 * back both users of the subscriber connection (live updates and the response cache's evictions)
 * receive messages again.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/live/clock.js';
import { createRedisChannels } from '../../src/live/redis-channels.js';
import { encodeSnapshots, snapshotCodec } from '../../src/live/snapshot-codec.js';
import type { JobSnapshot } from '../../src/live/snapshot.js';
import { connectRedis } from '../../src/server/connect-redis.js';
import { openGatewayRedis, type GatewayRedis } from '../../src/server/gateway-redis.js';
import { startEvictionBroadcast, type EvictedEntity } from '../../src/server/response-cache/eviction-broadcast.js';
import { eventually } from '../harness/stack.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';
import { redisRelay } from '../harness/redis-relay.js';

const snapshot = {
  job: { id: 'j1', status: 'running', createdAt: new Date(0), startedAt: null, completedAt: null },
  metrics: null,
  version: 'v1',
} as unknown as JobSnapshot;

describe.skipIf(!REDIS)(`a Redis flap while the subscriber resubscribes${REDIS_SKIP_REASON}`, () => {
  const relay = redisRelay();
  const suffix = `${process.pid}:${Date.now()}`;
  const liveChannel = `test:flap:live:${suffix}`;
  const evictionChannel = `test:flap:evictions:${suffix}`;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  let redis: GatewayRedis;
  let outside: Redis;

  beforeEach(async () => {
    process.on('unhandledRejection', onUnhandled);
    await relay.open();
    outside = new Redis(REDIS_URL);
    redis = openGatewayRedis(relay.url(), {
      logger: pino({ level: 'silent' }),
      rateLimit: false,
      // The gateway's own options, with retries close together so that the 20 pass in a second.
      connect: (url, options) => connectRedis(url, { ...options, retryStrategy: () => 25 }),
    });
  });
  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    await redis.close();
    await outside.quit();
    await relay.close();
  });

  it('handles the lost resubscription, and both listeners hear messages again once Redis is back', async () => {
    const live: JobSnapshot[][] = [];
    const evicted: EvictedEntity[][] = [];
    const channels = createRedisChannels({
      subscriber: redis.subscriber,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      readyTimeoutMs: 5_000,
      codec: snapshotCodec(null),
    });
    const broadcast = startEvictionBroadcast({
      publisher: redis.publisher,
      subscriber: redis.subscriber,
      channel: evictionChannel,
      evict: (entities) => evicted.push([...entities]),
      logger: pino({ level: 'silent' }),
    });
    const stop = await channels.listen(liveChannel, (snapshots) => live.push(snapshots));
    const heard = async (round: string) => {
      const entity = { typename: 'Job', id: round };
      await eventually(
        async () => {
          await outside.publish(liveChannel, encodeSnapshots([snapshot]));
          await outside.publish(evictionChannel, JSON.stringify({ origin: 'another instance', entities: [entity] }));
          return live.length > 0 && evicted.some((e) => e[0]?.id === round) ? true : undefined;
        },
        10_000,
        `both listeners hear ${round}`,
      );
      live.length = 0;
    };
    await heard('before');

    // The connection drops, comes back, and Redis goes away again as the SUBSCRIBE is written.
    relay.downOnNext(/subscribe/i);
    await relay.close();
    await relay.open();
    await relay.wentDown();
    // Past ioredis's 20 retries (25 ms apart), when it fails what it still holds.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(unhandled).toEqual([]);

    await relay.open();
    await heard('after');
    expect(unhandled).toEqual([]);

    stop();
    await channels.close();
    await broadcast.close();
  }, 30_000);
});

describe.skipIf(!REDIS)(`closing the gateway's Redis connections while Redis is away${REDIS_SKIP_REASON}`, () => {
  it('drops them at once, not after ioredis gave QUIT up (20 retries, about 10 s), and none reconnects', async () => {
    const relay = redisRelay();
    await relay.open();
    const opened: Redis[] = [];
    const redis = openGatewayRedis(relay.url(), {
      logger: pino({ level: 'silent' }),
      rateLimit: true,
      responseCache: true,
      connect: (url, options) => {
        const connection = connectRedis(url, options);
        opened.push(connection);
        return connection;
      },
    });
    await eventually(async () => (redis.problem() === null ? true : undefined), 10_000, 'connected');
    await relay.close();
    await eventually(async () => (opened.every((c) => c.status !== 'ready') ? true : undefined), 10_000, 'lost');
    // A command waiting for Redis to come back (a live update's write, say): QUIT would queue behind it.
    void redis.publisher.get('test:flap:pending').catch(() => undefined);

    const closed = await Promise.race([
      redis.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 5_000, 'still waiting after 5 s')),
    ]);
    expect(closed).toBe('closed');

    // Redis back: nothing of the closed gateway connects to it (ioredis's retries are 2 s apart at most).
    const before = relay.accepted();
    await relay.open();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(relay.accepted()).toBe(before);
    await relay.close();
  }, 30_000);
});

describe.skipIf(!REDIS)(`the log of a Redis outage${REDIS_SKIP_REASON}`, () => {
  it('is one warning per connection when it starts and one line when it is back, not one per attempt', async () => {
    const relay = redisRelay();
    await relay.open();
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const redis = openGatewayRedis(relay.url(), {
      logger,
      rateLimit: false,
      connect: (url, options) => connectRedis(url, { ...options, retryStrategy: () => 25 }),
    });
    try {
      await eventually(async () => (redis.problem() === null ? true : undefined), 10_000, 'connected');
      await relay.close();
      const attempts = relay.accepted();
      await new Promise((resolve) => setTimeout(resolve, 600)); // some twenty attempts per connection
      await relay.open();
      await eventually(async () => (redis.problem() === null ? true : undefined), 10_000, 'back');
      await eventually(
        () => (lines.filter((l) => l['msg'] === 'Redis connection back').length === 2 ? true : undefined),
        5_000,
        'both back',
      );

      const lost = lines.filter((l) => String(l['msg']).startsWith('Redis connection lost'));
      expect(lost.map((l) => [l['level'], l['role']]).sort()).toEqual([
        [40, 'publisher'],
        [40, 'subscriber'],
      ]);
      // The reason, not ioredis's stack trace (operator trial: a stack per line).
      for (const line of lost) {
        expect(line['err']).toBeUndefined();
        expect(line['reason']).toEqual(expect.any(String));
        expect(JSON.stringify(line)).not.toContain('    at ');
      }
      const back = lines.filter((l) => l['msg'] === 'Redis connection back');
      expect(back.map((l) => l['role']).sort()).toEqual(['publisher', 'subscriber']);
      for (const line of back) {
        expect(line['level']).toBe(30);
        expect(line['failures']).toBeGreaterThan(1); // attempts that failed, logged once
        expect(line['downMs']).toBeGreaterThanOrEqual(300);
      }
      expect(relay.accepted()).toBe(attempts + 2); // refused attempts never reached the relay
      expect(lines).toHaveLength(4);
    } finally {
      await redis.close();
      await relay.close();
    }
  }, 30_000);
});
