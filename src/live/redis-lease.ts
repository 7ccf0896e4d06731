/**
 * The Redis lease that makes one instance at a time poll a topic. Taken by a Lua script that sets it
 * when it is free, or when it still holds the very value of a holder whose instance was found dead
 * (redis-liveness.ts): a compare-and-set, so that of several standbys only one takes it, and a holder
 * that renewed or changed meanwhile is not overwritten by a stale observation. Renewed every third of
 * its lifetime by a Lua compare-and-set (extend only if the value is still ours), so that an instance
 * that was paused or cut off past its lease finds out instead of extending the new holder's; released
 * the same way, so releasing never deletes another's lease. The value is unique per poller (instance
 * id + random), never reused: it is the fencing token that the publish script compares.
 *
 * A poller that fails to take the lease watches the holder's instance, and is woken (`onVacant`) when
 * that instance stops heartbeating, to take the lease over at once instead of waiting for it to expire.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';
import type { LiveUpdatesLogger } from './options.js';
import { instanceOfLease, type RedisLiveness } from './redis-liveness.js';
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

// KEYS[1] lease; ARGV[1] our value, ARGV[2] lease ms, ARGV[3] the value of a holder found dead, or ''.
// {1, 0} taken while free; {1, 1} taken over from the dead holder, its lease not yet expired;
// {0, holder} not taken.
const CLAIM = `
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, current == false and 0 or 1}
end
return {0, current}`;

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
  liveness: RedisLiveness;
  /** Called when the instance holding the lease was found dead: claim now rather than at the next tick. */
  onVacant?: () => void;
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
  const holder = holderWatch(opts);
  const renewal = leaseRenewal(opts, value, {
    stillOurs: () => held && !released,
    lost: () => {
      held = false;
    },
  });

  return {
    value,
    get held() {
      return held;
    },
    markLost() {
      held = false;
      renewal.stop();
    },
    async claim() {
      if (released) return false;
      if (held) return true;
      await opts.liveness.start();
      const dead = holder.takeSuspect();
      const [taken, detail] = (await opts.redis.eval(CLAIM, 1, opts.leaseKey, value, opts.leaseMs, dead)) as [
        number,
        string | number,
      ];
      if (taken !== 1) {
        if (!released) holder.watch(String(detail));
        return false;
      }
      holder.stop();
      if (released) {
        // Released while the claim was on its way: give back what we just took.
        await opts.redis.eval(RELEASE, 1, opts.leaseKey, value);
        return false;
      }
      if (detail === 1)
        opts.logger.warn(
          { leaseKey: opts.leaseKey, from: instanceOfLease(dead) },
          'live updates: took over the poll lease of an instance that stopped heartbeating, before the lease expired',
        );
      held = true;
      renewal.schedule();
      return true;
    },
    async release() {
      released = true;
      renewal.stop();
      holder.stop();
      if (!held) return;
      held = false;
      await opts.redis.eval(RELEASE, 1, opts.leaseKey, value);
    },
  };
}

/**
 * The holder last found in the way, watched until its instance turns out dead; then it is the
 * suspect, whose exact lease value the next claim may replace (`onVacant` asks for that claim now).
 */
function holderWatch(opts: Pick<RedisLeaseOptions, 'liveness' | 'onVacant'>) {
  let watched: { value: string; stop: () => void } | undefined;
  let suspect = '';
  const stop = () => {
    watched?.stop();
    watched = undefined;
  };
  return {
    stop,
    watch(holder: string) {
      // Already watched, or already found dead (while this claim was on its way): the next claim uses it.
      if (watched?.value === holder || suspect === holder) return;
      stop();
      suspect = '';
      const stopWatching = opts.liveness.watch(instanceOfLease(holder), () => {
        if (watched?.value !== holder) return;
        watched = undefined;
        suspect = holder;
        opts.onVacant?.();
      });
      watched = { value: holder, stop: stopWatching };
    },
    /** The value of the holder found dead, or '' (the claim script then takes only a free lease); cleared. */
    takeSuspect(): string {
      const dead = suspect;
      suspect = '';
      return dead;
    },
  };
}

/** Renews the lease every third of its lifetime while `stillOurs()`; a refusal means it was `lost()`. */
function leaseRenewal(opts: RedisLeaseOptions, value: string, lease: { stillOurs(): boolean; lost(): void }) {
  let timer: unknown;
  const stop = () => {
    if (timer !== undefined) opts.clock.clearTimer(timer);
    timer = undefined;
  };
  const schedule = () => {
    timer = opts.clock.setTimer(() => void renew(), Math.max(10, Math.floor(opts.leaseMs / 3)));
  };
  const renew = async () => {
    timer = undefined;
    if (!lease.stillOurs()) return;
    try {
      const ok = await opts.redis.eval(RENEW, 2, opts.leaseKey, opts.stateKey, value, opts.leaseMs, opts.stateTtlMs);
      if (ok !== 1) {
        lease.lost();
        opts.logger.warn({ leaseKey: opts.leaseKey }, 'live updates: poll lease lost to another instance');
        return;
      }
    } catch (error) {
      // Redis unreachable: keep polling as the holder. Publishing is fenced by the same compare,
      // so if the lease did lapse meanwhile, nothing of ours goes out over the new holder's.
      opts.logger.warn({ err: error, leaseKey: opts.leaseKey }, 'live updates: lease renewal failed');
    }
    if (lease.stillOurs()) schedule();
  };
  return { schedule, stop };
}
