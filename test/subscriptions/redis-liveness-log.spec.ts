/**
 * A Redis that refuses the gateway after a restart (NOAUTH) fails every heartbeat refresh and every
 * check of the other instances' heartbeats, a few times a second: each failure was a warning with a
 * stack trace, 43 lines in 20 s on one instance (operator trial), where the docs promise it is logged
 * once. One warning per run of failures now, the rest at debug, and a new warning only after Redis
 * worked again. Redis is a stand-in whose calls fail while `refusing`; the timers are on a manual clock.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisLiveness } from '../../src/live/redis-liveness.js';
import { manualClock } from '../harness/manual-clock.js';

const HEARTBEAT_MS = 600; // refreshes every 200 ms, checks every 100 ms

function setup() {
  let refusing = false;
  const noauth = () => Promise.reject(new Error('NOAUTH Authentication required.'));
  const redis = {
    set: () => (refusing ? noauth() : Promise.resolve('OK')),
    mget: (...keys: string[]) => (refusing ? noauth() : Promise.resolve(keys.map(() => '1'))),
    del: () => Promise.resolve(1),
    status: 'ready',
    on: () => undefined,
    off: () => undefined,
  } as unknown as Redis;
  const said: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (_obj: object, msg?: string) => void said.push({ level, msg: msg ?? '' });
  const clock = manualClock(100);
  const liveness = createRedisLiveness({
    redis,
    keyPrefix: 'test:',
    instanceId: 'me',
    heartbeatMs: HEARTBEAT_MS,
    settleMs: 10_000,
    clock,
    logger: { debug: at('debug'), warn: at('warn'), error: at('error') },
  });
  const warnings = () => said.filter((s) => s.level === 'warn').map((s) => s.msg);
  return {
    liveness,
    clock,
    said,
    warnings,
    refuse: (on: boolean) => (refusing = on),
  };
}

/** Lets the failed calls' promise continuations run between the clock's steps. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function run(clock: ReturnType<typeof manualClock>, ms: number) {
  for (let t = 0; t < ms; t += 50) {
    clock.advance(50);
    await settle();
  }
}

describe('the heartbeat while Redis refuses the gateway', () => {
  it('warns once per run of failures of the refresh and of the check, not at each one', async () => {
    const { liveness, clock, said, warnings, refuse } = setup();
    await liveness.start();
    const stopWatching = liveness.watch('other', () => undefined);
    refuse(true);
    await run(clock, 5_000); // 25 refreshes and 50 checks fail
    expect(warnings()).toEqual([
      expect.stringMatching(/^live updates: heartbeat (refresh|check) failed \(logged once until it works again\)$/),
      expect.stringMatching(/^live updates: heartbeat (refresh|check) failed \(logged once until it works again\)$/),
    ]);
    expect(said.filter((s) => s.level === 'debug').length).toBeGreaterThan(60);

    refuse(false);
    await run(clock, 1_000);
    expect(said.filter((s) => /works again$/.test(s.msg)).length).toBe(2);
    refuse(true);
    await run(clock, 1_000);
    // A new run of failures, after Redis worked again: told again, once each.
    expect(warnings()).toHaveLength(4);
    stopWatching();
    await liveness.close();
  });
});
