/**
 * Which instances are alive, as Redis sees them: what lets a standby replace a lease holder that
 * died (`kill -9`, a lost host) within about one poll interval instead of the lease's lifetime.
 *
 * Each instance keeps ONE heartbeat key, `SET <prefix>alive:{instances}:<id> 1 PX heartbeatMs`,
 * refreshed every third of `heartbeatMs`, from its first lease claim until it closes (then set to
 * `stopped` until it expires: its watchers take over at once, as from a dead one, without a warning,
 * since a shutdown is no failure; a release before read only whether the key was there).
 * A poller that fails to take a lease watches the holder's instance (named in the lease value); one
 * timer per instance reads every watched instance's key in one MGET every sixth of `heartbeatMs`,
 * and tells the watchers of an instance whose key is gone, which then take the lease over at once
 * (a compare-and-set on the exact lease value they saw: see redis-lease.ts). So a dead holder is
 * replaced within `heartbeatMs` (its key expiring) + `heartbeatMs / 6` (the next check) + a Redis
 * round trip: 1.75 s by default, under one running job's poll interval.
 *
 * The Redis cost does not grow with the number of jobs: per instance, 3 SETs per `heartbeatMs`,
 * and while it has standby pollers, 6 MGETs per `heartbeatMs` over the instances it watches.
 * The keys share the `{instances}` hash tag, so that the MGET stays in one cluster slot.
 *
 * A heartbeat missing just after THIS instance's own connection came back proves nothing: Redis may
 * have restarted empty, and every live instance beats again only once its own connection is back
 * (ioredis retries up to 2 s apart). So no verdict is drawn from a check sent while this instance's
 * connection was away, nor within `settleMs` after it came back: a live instance has beaten again by
 * then, and a holder that really died during the outage has its lease expire within that time anyway.
 * (Operator trial: after a 10 s Redis restart, a live holder was declared dead and lost its leases.)
 *
 * An instance that looks dead but is only paused (a long GC, SIGSTOP, a partition) is safe too:
 * its lease is taken by compare-and-set, and everything it would publish afterwards is refused by
 * the lease check in the publish script (fencing), so two instances never publish for one job.
 */
import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';
import type { LiveUpdatesLogger } from './options.js';

export interface RedisLivenessOptions {
  redis: Redis;
  keyPrefix: string;
  instanceId: string;
  heartbeatMs: number;
  /** After this instance's connection comes back, how long no instance is declared dead (see the header). */
  settleMs: number;
  clock: Clock;
  logger: LiveUpdatesLogger;
}

export interface RedisLiveness {
  /** Resolves once this instance's heartbeat is in Redis: no lease is taken before (the holder would look dead). */
  start(): Promise<void>;
  /** Calls `onDead` once, when `instanceId`'s heartbeat is found missing. Returns the function that stops watching. */
  watch(instanceId: string, onDead: () => void): () => void;
  /** Stops the timers and marks this instance's heartbeat stopped. */
  close(): Promise<void>;
}

/** The instance named in a lease value (`<instanceId>:<uuid>`; a UUID holds no colon). */
export function instanceOfLease(value: string): string {
  const colon = value.lastIndexOf(':');
  return colon < 0 ? value : value.slice(0, colon);
}

/** The heartbeat's value once its instance has shut down (a live one's is `1`). */
const STOPPED = 'stopped';

export function createRedisLiveness(opts: RedisLivenessOptions): RedisLiveness {
  const { redis, logger } = opts;
  const keyOf = (instanceId: string) => `${opts.keyPrefix}alive:{instances}:${encodeURIComponent(instanceId)}`;
  const heartbeat = createHeartbeat(opts, keyOf(opts.instanceId));
  const watchers = createDeathWatch(opts, keyOf);
  return {
    start: heartbeat.start,
    watch: watchers.watch,
    async close() {
      watchers.close();
      if (heartbeat.close())
        await redis
          .set(keyOf(opts.instanceId), STOPPED, 'PX', opts.heartbeatMs)
          .catch((error: unknown) =>
            logger.warn({ err: error }, 'live updates: could not mark the heartbeat stopped; it will expire'),
          );
    },
  };
}

/**
 * A repeated Redis call's failures logged once per run of them: the first at warn, the rest at debug,
 * and the first success after them at debug (the connection's own line says it is back). A Redis
 * that refuses the gateway (NOAUTH after a restart with a password) fails every heartbeat, every few
 * hundred milliseconds: one warning a failure
 * flooded the log (operator trial), where the readiness check and the connection's own line say it.
 */
function failureRun(logger: RedisLivenessOptions['logger'], what: string) {
  let failures = 0;
  return {
    failed(error: unknown): void {
      failures += 1;
      if (failures === 1)
        logger.warn({ err: error }, `live updates: ${what} failed (logged once until it works again)`);
      else logger.debug({ err: error, failures }, `live updates: ${what} failed`);
    },
    succeeded(): void {
      if (failures > 0) logger.debug({ failures }, `live updates: ${what} works again`);
      failures = 0;
    },
  };
}

/** This instance's own heartbeat key, set on `start` and refreshed every third of `heartbeatMs`. */
function createHeartbeat(opts: RedisLivenessOptions, ownKey: string) {
  const { redis, clock, logger } = opts;
  const refreshMs = Math.max(10, Math.floor(opts.heartbeatMs / 3));
  let started: Promise<void> | undefined;
  let timer: unknown;
  let closed = false;
  const refreshes = failureRun(logger, 'heartbeat refresh');

  const beat = () => redis.set(ownKey, '1', 'PX', opts.heartbeatMs).then(() => undefined);
  const scheduleBeat = () => {
    if (closed) return;
    timer = clock.setTimer(() => {
      timer = undefined;
      beat().then(refreshes.succeeded, refreshes.failed).finally(scheduleBeat);
    }, refreshMs);
  };

  return {
    start(): Promise<void> {
      started ??= beat().then(scheduleBeat, (error: unknown) => {
        started = undefined; // The next claim tries again.
        throw error;
      });
      return started;
    },
    /** Stops refreshing; true when the key was ever set (so there is one to delete). */
    close(): boolean {
      closed = true;
      if (timer !== undefined) clock.clearTimer(timer);
      timer = undefined;
      return started !== undefined;
    },
  };
}

/** The instances watched, read in one MGET every sixth of `heartbeatMs` while any is watched. */
function createDeathWatch(opts: RedisLivenessOptions, keyOf: (instanceId: string) => string) {
  const { redis, clock, logger } = opts;
  const checkMs = Math.max(5, Math.floor(opts.heartbeatMs / 6));
  const watchers = new Map<string, Set<() => void>>();
  const connection = connectedSince(redis, clock);
  let timer: unknown;
  let checking = false;
  let closed = false;
  const checks = failureRun(logger, 'heartbeat check');

  const scheduleCheck = () => {
    if (closed || timer !== undefined || checking || watchers.size === 0) return;
    timer = clock.setTimer(() => {
      timer = undefined;
      void check();
    }, checkMs);
  };

  const check = async () => {
    const instances = [...watchers.keys()];
    if (instances.length === 0) return;
    checking = true;
    const since = connection.since();
    const settled = since !== null && clock.now() - since >= opts.settleMs;
    try {
      const beats = await redis.mget(...instances.map(keyOf));
      checks.succeeded();
      // Sent while away (answered from ioredis's offline queue), or too soon after a reconnection, or
      // the connection came back since: no verdict.
      if (!settled || connection.since() !== since) return;
      instances.forEach((instanceId, i) => {
        const beat = beats[i];
        if (beat !== null && beat !== STOPPED) return;
        const callbacks = watchers.get(instanceId);
        watchers.delete(instanceId);
        if (beat === STOPPED)
          logger.debug({ instance: instanceId }, 'live updates: an instance shut down; taking over its poll leases');
        else
          logger.warn(
            { instance: instanceId },
            'live updates: an instance stopped heartbeating; taking over its poll leases',
          );
        for (const callback of callbacks ?? []) callback();
      });
    } catch (error) {
      checks.failed(error);
    } finally {
      checking = false;
      scheduleCheck();
    }
  };

  return {
    watch(instanceId: string, onDead: () => void): () => void {
      let set = watchers.get(instanceId);
      if (!set) watchers.set(instanceId, (set = new Set()));
      const callback = () => onDead();
      set.add(callback);
      scheduleCheck();
      const owner = set;
      return () => {
        owner.delete(callback);
        if (owner.size === 0 && watchers.get(instanceId) === owner) watchers.delete(instanceId);
      };
    },
    close() {
      closed = true;
      connection.stop();
      if (timer !== undefined) clock.clearTimer(timer);
      timer = undefined;
      watchers.clear();
    },
  };
}

/**
 * Since when `redis` has been connected this time (ms), or null while it is away. The first connection
 * counts as long established: only a connection that came BACK may find keys lost by a Redis restart.
 */
function connectedSince(redis: Redis, clock: Clock) {
  let since: number | null = redis.status === 'ready' ? Number.NEGATIVE_INFINITY : null;
  let everReady = since !== null;
  const onReady = () => {
    since = everReady ? clock.now() : Number.NEGATIVE_INFINITY;
    everReady = true;
  };
  const onClose = () => {
    since = null;
  };
  redis.on('ready', onReady);
  redis.on('close', onClose);
  return {
    since: () => since,
    stop() {
      redis.off('ready', onReady);
      redis.off('close', onClose);
    },
  };
}
