/**
 * The Redis transport: a channel per topic (redis-channels.ts), a poll lease per topic (see
 * redis-lease.ts, and redis-liveness.ts for how a dead holder is found and replaced) and, for
 * jobs, the last published message under a key (its last snapshot is the current state), so that a
 * subscriber joining on an instance that does not poll gets the current state at once instead of
 * waiting for the next change, and an instance that listens again after an outage gets what it missed.
 *
 * Why ioredis pub/sub directly rather than `createRedisEventTarget` + `createPubSub`: the event
 * target sends SUBSCRIBE without waiting for it, so an instance could read the last state, then miss
 * a change published before its SUBSCRIBE landed; here `listen` resolves only once Redis acknowledged
 * it, and the last state is read after. Publishing also has to be fenced by the lease (one Lua
 * script checks the lease, records the state and publishes), which a generic event target cannot do.
 *
 * While the publisher connection is not ready (Redis unreachable), `publish` fails at once rather than
 * wait in ioredis's offline queue: the poller then delivers to this instance's subscribers and owes
 * the change to the others (poller-transition.ts). A publish queued through an outage went out once
 * Redis was back, late, and if Redis had lost its keys meanwhile (restarted empty), the lease check
 * refused it: the change was lost everywhere. Resyncs (after a reconnection) wait for the publisher
 * too, so that a poller woken by one can publish what it owes.
 *
 * Keys and channels, with `{…}` hash tags so that a topic's keys share one cluster slot (the script
 * touches the lease and the state together); ids are percent-encoded, so no id can forge another's key:
 *   <prefix>events:{job:<org>:<job>}  channel, JSON array of snapshots, oldest first (one per message
 *                                     for a job, but for the changes owed after an outage)
 *   <prefix>lease:{job:<org>:<job>}   lease, value "<instanceId>:<uuid>", PX leaseMs
 *   <prefix>state:{job:<org>:<job>}   last message published (its last snapshot is the state), PX 6 × leaseMs,
 *                                     renewed with the lease
 *   <prefix>alive:{instances}:<instanceId>  an instance's heartbeat, PX heartbeatMs (one per instance)
 *   and the same with `{jobs:<org>}` for an organization's list (no state key: list subscribers
 *   read the current list with their own token when they join).
 */
import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';
import type { LiveUpdatesLogger } from './options.js';
import { createRedisChannels } from './redis-channels.js';
import { createRedisLease, type RedisLease } from './redis-lease.js';
import { createRedisLiveness } from './redis-liveness.js';
import { snapshotCodec } from './snapshot-codec.js';
import type { Lease, Topic, Transport } from './transport.js';

// KEYS[1] lease, KEYS[2] state; ARGV[1] our lease value, ARGV[2] channel, ARGV[3] payload,
// ARGV[4] lease ms, ARGV[5] state ms ('0': keep no state).
const PUBLISH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if ARGV[5] ~= '0' then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[5]) end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`;

export interface RedisTransportOptions {
  publisher: Redis;
  subscriber: Redis;
  keyPrefix: string;
  instanceId: string;
  leaseMs: number;
  /** Lifetime of the instance's heartbeat key (see redis-liveness.ts). */
  heartbeatMs: number;
  clock: Clock;
  logger: LiveUpdatesLogger;
  /** Signs every message and last state, and drops those not signed with it (snapshot-codec.ts); null: unsigned. */
  messageSecret: string | null;
  /** Also accepted on what others sign, never signed with (a rotation under way). */
  acceptedMessageSecret?: string | null;
}

export function createRedisTransport(opts: RedisTransportOptions): Transport {
  const { publisher, keyPrefix, logger } = opts;
  const stateTtlMs = opts.leaseMs * 6;
  const leases = new WeakMap<Lease, RedisLease>();
  const codec = snapshotCodec(opts.messageSecret, opts.acceptedMessageSecret ?? null);
  const channels = createRedisChannels({
    codec,
    subscriber: opts.subscriber,
    clock: opts.clock,
    logger,
    readyTimeoutMs: Math.max(opts.leaseMs, 5_000),
  });
  const liveness = createRedisLiveness({
    redis: publisher,
    keyPrefix,
    instanceId: opts.instanceId,
    heartbeatMs: opts.heartbeatMs,
    // A lease's lifetime: what a dead holder's lease takes to expire anyway (redis-liveness.ts).
    settleMs: opts.leaseMs,
    clock: opts.clock,
    logger,
  });
  const keysOf = (topic: Topic) => topicKeys(keyPrefix, topic);
  const publisherReady = whenReady(publisher);
  const { instanceId, leaseMs, clock } = opts;
  const leaseOptions = { redis: publisher, instanceId, leaseMs, stateTtlMs, clock, logger, liveness };

  return {
    listen: (topic, onSnapshots) => channels.listen(keysOf(topic).channel, onSnapshots),
    onResync: (topic, callback) => channels.onResync(keysOf(topic).channel, () => publisherReady.run(callback)),
    lease(topic, onVacant) {
      const keys = keysOf(topic);
      const lease = createRedisLease({ ...leaseOptions, leaseKey: keys.lease, stateKey: keys.state, onVacant });
      leases.set(lease, lease);
      return lease;
    },
    async publish(lease, topic, snapshots) {
      const redisLease = leases.get(lease);
      if (!redisLease?.held) return false;
      if (publisher.status !== 'ready') throw new Error(`Redis cannot be reached (connection ${publisher.status})`);
      const keys = keysOf(topic);
      const keepState = topic.kind === 'job' ? stateTtlMs : 0;
      const payload = codec.encode(snapshots, keys.channel);
      const ok = await publisher.eval(
        PUBLISH,
        2,
        keys.lease,
        keys.state,
        redisLease.value,
        keys.channel,
        payload,
        opts.leaseMs,
        keepState,
      );
      if (ok === 1) return true;
      logger.warn({ leaseKey: keys.lease }, "live updates: publish refused: the poll lease is another instance's now");
      redisLease.markLost();
      return false;
    },
    async lastPublished(topic) {
      if (topic.kind !== 'job') return [];
      const keys = keysOf(topic);
      const text = await publisher.get(keys.state);
      if (text === null) return [];
      try {
        return codec.decode(text, keys.channel);
      } catch (error) {
        logger.warn({ err: error }, 'live updates: ignored a malformed or unauthenticated last state');
        return [];
      }
    },
    async close() {
      publisherReady.close();
      await Promise.all([channels.close(), liveness.close()]);
    },
  };
}

/** Runs callbacks once `redis` is ready: at once when it is, else on its next 'ready' (one listener for all). */
function whenReady(redis: Redis) {
  const waiting = new Set<() => void>();
  const onReady = () => {
    const callbacks = [...waiting];
    waiting.clear();
    for (const callback of callbacks) callback();
  };
  redis.on('ready', onReady);
  return {
    run(callback: () => void) {
      if (redis.status === 'ready') callback();
      else waiting.add(callback);
    },
    close() {
      redis.off('ready', onReady);
      waiting.clear();
    },
  };
}

/** A topic's channel and keys (see the header): ids percent-encoded inside one hash tag. */
function topicKeys(keyPrefix: string, topic: Topic) {
  const org = encodeURIComponent(topic.organizationId);
  const tag = topic.kind === 'job' ? `{job:${org}:${encodeURIComponent(topic.jobId)}}` : `{jobs:${org}}`;
  return {
    channel: `${keyPrefix}events:${tag}`,
    lease: `${keyPrefix}lease:${tag}`,
    state: `${keyPrefix}state:${tag}`,
  };
}
