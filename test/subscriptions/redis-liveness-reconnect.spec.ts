/**
 * Regression (operator trial): two instances, Redis restarted (empty) for 10 s. The standby's first
 * heartbeat check after its reconnection (sent from ioredis's offline queue) found the holder's
 * heartbeat missing, because the holder, alive, had not beaten again yet: it warned "an instance
 * stopped heartbeating", took the holder's leases, and the holder logged "poll lease lost" four times.
 * Now no verdict is drawn from a check sent while this instance's connection was away, nor within
 * `settleMs` after it came back; an instance whose heartbeat stays missing past that is dead, and one
 * missing while this instance stayed connected is dead at once, as before (test/live/failover-kill.spec.ts).
 * Redis is a stand-in (its connection's events, and an MGET answering what the test says); timers on a manual clock.
 */
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisLiveness } from '../../src/live/redis-liveness.js';
import { manualClock } from '../harness/manual-clock.js';

const HEARTBEAT_MS = 600; // checks every 100 ms
const SETTLE_MS = 3_000;

function setup() {
  const connection = Object.assign(new EventEmitter(), { status: 'ready' });
  let otherBeats = true;
  const redis = Object.assign(connection, {
    set: () => Promise.resolve('OK'),
    mget: (...keys: string[]) => Promise.resolve(keys.map(() => (otherBeats ? '1' : null))),
  }) as unknown as Redis;
  const warnings: string[] = [];
  const clock = manualClock(1_000_000);
  const liveness = createRedisLiveness({
    redis,
    keyPrefix: 'test:',
    instanceId: 'b',
    heartbeatMs: HEARTBEAT_MS,
    settleMs: SETTLE_MS,
    clock,
    logger: { debug: () => undefined, warn: (_o, msg) => void warnings.push(msg ?? ''), error: () => undefined },
  });
  const dead: string[] = [];
  return {
    liveness,
    clock,
    warnings,
    dead,
    watchA: () => liveness.watch('a', () => dead.push('a')),
    otherBeats: (on: boolean) => (otherBeats = on),
    /** The connection drops (Redis restarted: every key lost) and comes back. */
    reconnect() {
      connection.status = 'reconnecting';
      connection.emit('close');
      connection.status = 'ready';
      connection.emit('ready');
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
async function run(clock: ReturnType<typeof manualClock>, ms: number) {
  for (let t = 0; t < ms; t += 50) {
    clock.advance(50);
    await settle();
  }
}

describe('heartbeat verdicts after this instance reconnects to Redis', () => {
  it('declares no live instance dead whose heartbeat is missing only until it beats again', async () => {
    const { liveness, clock, warnings, dead, watchA, otherBeats, reconnect } = setup();
    await liveness.start();
    watchA();
    await run(clock, 500);
    expect(dead).toEqual([]);

    // Redis restarted empty: the holder's key is gone until its own connection is back, 2 s later.
    otherBeats(false);
    reconnect();
    await run(clock, 2_000);
    otherBeats(true);
    await run(clock, 2_000);
    expect(warnings).toEqual([]);
    expect(dead).toEqual([]);
    await liveness.close();
  });

  it('still finds an instance that died: its heartbeat missing past the settling time', async () => {
    const { liveness, clock, warnings, dead, watchA, otherBeats, reconnect } = setup();
    await liveness.start();
    watchA();
    otherBeats(false);
    reconnect();
    await run(clock, SETTLE_MS - 200);
    expect(dead).toEqual([]);
    await run(clock, 400);
    expect(dead).toEqual(['a']);
    expect(warnings).toEqual(['live updates: an instance stopped heartbeating; taking over its poll leases']);
    await liveness.close();
  });

  it('finds a death at the first check while this instance stayed connected, as before', async () => {
    const { liveness, clock, dead, watchA, otherBeats } = setup();
    await liveness.start();
    watchA();
    await run(clock, 300);
    otherBeats(false);
    await run(clock, 150);
    expect(dead).toEqual(['a']);
    await liveness.close();
  });
});
