/**
 * The Redis lease that makes one instance at a time poll a topic. Taken with `SET key value NX PX`;
 * renewed every third of its lifetime by a Lua compare-and-set (extend only if the value is still
 * ours), so that an instance that was paused or cut off past its lease finds out instead of
 * extending the new holder's; released the same way, so releasing never deletes another's lease.
 * The value is unique per poller (instance id + random), never reused.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';
import type { LiveUpdatesLogger } from './options.js';
import type { Lease } from './transport.js';

// KEYS[1] lease, KEYS[2] last state; ARGV[1] our value, ARGV[2] lease ms, ARGV[3] state ms.
// The last state lives as long as someone polls (and a while after), so that a subscriber joining
// on another instance between two changes still gets the current state at once.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export interface RedisLeaseOptions {
  redis: Redis;
  leaseKey: string;
  stateKey: string;
  instanceId: string;
  leaseMs: number;
  stateTtlMs: number;
  clock: Clock;
  logger: LiveUpdatesLogger;
}

export interface RedisLease extends Lease {
  /** The value stored under the lease key while held; the publish script compares it. */
  readonly value: string;
  /** Told by a fenced publish that the lease is someone else's now. */
  markLost(): void;
}

export function createRedisLease(opts: RedisLeaseOptions): RedisLease {
  const value = `${opts.instanceId}:${randomUUID()}`;
  let held = false;
  let released = false;
  let timer: unknown;

  const stopRenewing = () => {
    if (timer !== undefined) opts.clock.clearTimer(timer);
    timer = undefined;
  };

  const scheduleRenewal = () => {
    timer = opts.clock.setTimer(() => void renew(), Math.max(10, Math.floor(opts.leaseMs / 3)));
  };

  const renew = async () => {
    timer = undefined;
    if (!held || released) return;
    try {
      const ok = await opts.redis.eval(RENEW, 2, opts.leaseKey, opts.stateKey, value, opts.leaseMs, opts.stateTtlMs);
      if (ok !== 1) {
        held = false;
        opts.logger.warn({ leaseKey: opts.leaseKey }, 'live updates: poll lease lost to another instance');
        return;
      }
    } catch (error) {
      // Redis unreachable: keep polling as the holder. Publishing is fenced by the same compare,
      // so if the lease did lapse meanwhile, nothing of ours goes out over the new holder's.
      opts.logger.warn({ err: error, leaseKey: opts.leaseKey }, 'live updates: lease renewal failed');
    }
    if (held && !released) scheduleRenewal();
  };

  return {
    value,
    get held() {
      return held;
    },
    markLost() {
      held = false;
      stopRenewing();
    },
    async claim() {
      if (released) return false;
      if (held) return true;
      const answer = await opts.redis.set(opts.leaseKey, value, 'PX', opts.leaseMs, 'NX');
      if (answer !== 'OK') return false;
      if (released) {
        // Released while the SET was on its way: give back what we just took.
        await opts.redis.eval(RELEASE, 1, opts.leaseKey, value);
        return false;
      }
      held = true;
      scheduleRenewal();
      return true;
    },
    async release() {
      released = true;
      stopRenewing();
      if (!held) return;
      held = false;
      await opts.redis.eval(RELEASE, 1, opts.leaseKey, value);
    },
  };
}
