/**
 * The Redis subscriber connection of the transport (redis-transport.ts): one SUBSCRIBE per channel
 * however many pollers listen on it, `listen` resolving only once Redis acknowledged it, and after
 * each reconnection every channel subscribed again, then the resync callbacks called (what was
 * published meanwhile is gone). The gateway's subscriber connection does not resubscribe by itself
 * (gateway-redis.ts): ioredis's own resubscription can fail with nobody to handle it.
 */
import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';
import type { LiveUpdatesLogger } from './options.js';
import type { JobSnapshot } from './snapshot.js';
import type { SnapshotCodec } from './snapshot-codec.js';

type Listener = (snapshots: JobSnapshot[]) => void;

export interface RedisChannelsOptions {
  subscriber: Redis;
  clock: Clock;
  logger: LiveUpdatesLogger;
  /** How long `listen` waits for the connection to be ready before it fails. */
  readyTimeoutMs: number;
  /** Reads each message; one it refuses (malformed, unsigned, badly signed) is dropped and counted in a log line. */
  codec: SnapshotCodec;
}

export interface RedisChannels {
  /** Calls `onSnapshots` with each message on `channel`; resolves once subscribed, with the function that stops. */
  listen(channel: string, onSnapshots: Listener): Promise<() => void>;
  /** Calls `callback` after each reconnection; returns the function that stops. */
  onResync(channel: string, callback: () => void): () => void;
  close(): Promise<void>;
}

export function createRedisChannels(opts: RedisChannelsOptions): RedisChannels {
  const { subscriber, logger } = opts;
  const listeners = new Map<string, Set<Listener>>();
  const subscribed = new Map<string, Promise<unknown>>();
  const resyncs = resyncRegistry();
  const refused = refusedMessages(logger, opts.clock);

  const onMessage = (channel: string, message: string) => {
    const set = listeners.get(channel);
    if (!set) return;
    let snapshots: JobSnapshot[];
    try {
      snapshots = opts.codec.decode(message, channel);
    } catch (error) {
      refused.drop(error, channel);
      return;
    }
    for (const listener of [...set]) listener(snapshots);
  };
  const onReady = () => resubscribe(opts, [...listeners.keys()], resyncs.fire);
  subscriber.on('message', onMessage);
  subscriber.on('ready', onReady);

  const subscribe = (channel: string, fresh: Set<Listener>) =>
    whenReady(opts)
      .then(() => subscriber.subscribe(channel))
      .catch((error: unknown) => {
        // Let the next listener try again rather than inherit a failed subscription.
        if (listeners.get(channel) === fresh) {
          listeners.delete(channel);
          subscribed.delete(channel);
        }
        throw error;
      });

  const unsubscribe = (channel: string) => {
    subscribed.delete(channel);
    subscriber
      .unsubscribe(channel)
      .catch((error: unknown) => logger.warn({ err: error, channel }, 'live updates: UNSUBSCRIBE failed'));
  };

  return {
    async listen(channel, onSnapshots) {
      let set = listeners.get(channel);
      if (!set) {
        const fresh = new Set<Listener>();
        set = fresh;
        listeners.set(channel, fresh);
        subscribed.set(channel, subscribe(channel, fresh));
      }
      set.add(onSnapshots);
      const owner = set;
      const stop = () => {
        owner.delete(onSnapshots);
        if (owner.size === 0 && listeners.get(channel) === owner) {
          listeners.delete(channel);
          unsubscribe(channel);
        }
      };
      try {
        await subscribed.get(channel);
      } catch (error) {
        stop();
        throw error;
      }
      return stop;
    },
    onResync: (channel, callback) => resyncs.add(channel, callback),
    async close() {
      subscriber.off('message', onMessage);
      subscriber.off('ready', onReady);
      refused.close();
      const channels = [...listeners.keys()];
      listeners.clear();
      subscribed.clear();
      resyncs.clear();
      if (channels.length > 0 && subscriber.status === 'ready') {
        await subscriber
          .unsubscribe(...channels)
          .catch((error: unknown) => logger.warn({ err: error }, 'live updates: UNSUBSCRIBE failed'));
      }
    },
  };
}

/** At most one line about refused messages per this period. */
export const REFUSED_LOG_MS = 60_000;

/**
 * The log of the messages dropped (malformed, unsigned, signed with another secret). Instances that
 * disagree on REDIS_MESSAGE_SECRET refuse every message of each other: one warn line per message, with
 * a stack, flooded the logs. One line now (no stack: the reason is the codec's message) for the first,
 * then at most one every REFUSED_LOG_MS with the count dropped since the previous line; the count
 * left at `close()` is logged then.
 */
function refusedMessages(logger: LiveUpdatesLogger, clock: Clock) {
  let dropped = 0;
  let last = { reason: '', channel: '' };
  let timer: unknown = null;
  const write = () => {
    logger.warn(
      { dropped, reason: last.reason, channel: last.channel },
      "live updates: dropped messages from Redis, malformed or not signed with this instance's REDIS_MESSAGE_SECRET " +
        '(`dropped`: how many since the previous such line, at most one a minute)',
    );
    dropped = 0;
  };
  const tick = () => {
    timer = null;
    if (dropped === 0) return;
    write();
    timer = clock.setTimer(tick, REFUSED_LOG_MS);
  };
  return {
    drop(error: unknown, channel: string) {
      dropped += 1;
      last = { reason: error instanceof Error ? error.message : String(error), channel };
      if (timer === null) tick();
    },
    close() {
      if (timer !== null) clock.clearTimer(timer);
      timer = null;
      if (dropped > 0) write();
    },
  };
}

/**
 * After a reconnection: subscribes the channels again, then resyncs, so that nothing published
 * between the two is missed. A failed SUBSCRIBE means the connection was lost again: the next
 * 'ready' tries again.
 */
function resubscribe({ subscriber, logger }: RedisChannelsOptions, channels: string[], resync: () => void) {
  if (channels.length === 0) return resync();
  subscriber.subscribe(...channels).then(resync, (error: unknown) => {
    logger.warn({ err: error }, 'live updates: SUBSCRIBE after a reconnection failed');
  });
}

/** The callbacks to call after a reconnection, by channel. */
function resyncRegistry() {
  const byChannel = new Map<string, Set<() => void>>();
  return {
    add(channel: string, callback: () => void): () => void {
      const set = byChannel.get(channel) ?? new Set();
      set.add(callback);
      byChannel.set(channel, set);
      return () => {
        set.delete(callback);
        if (set.size === 0 && byChannel.get(channel) === set) byChannel.delete(channel);
      };
    },
    fire() {
      for (const set of byChannel.values()) for (const callback of [...set]) callback();
    },
    clear: () => byChannel.clear(),
  };
}

/**
 * ioredis writes SUBSCRIBE even before its connection is ready (the command may run while Redis
 * loads), which puts the connection in subscriber mode before its own ready check (INFO) is sent:
 * that check then fails, and ioredis reports an error and reconnects. Subscribing only once the
 * connection is ready avoids it. Bounded, so that a Redis that cannot be reached fails the
 * subscription (coded) instead of leaving it waiting.
 */
async function whenReady({ subscriber, clock, readyTimeoutMs }: RedisChannelsOptions): Promise<void> {
  if (subscriber.status === 'ready') return;
  if (subscriber.status === 'wait') subscriber.connect().catch(() => {});
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      clock.clearTimer(timer);
      subscriber.off('ready', onReadyOnce);
      subscriber.off('end', onEnd);
      if (error) reject(error);
      else resolve();
    };
    const onReadyOnce = () => done();
    const onEnd = () => done(new Error('the Redis subscriber connection was closed'));
    const timer = clock.setTimer(
      () => done(new Error(`the Redis subscriber connection was not ready within ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
    subscriber.on('ready', onReadyOnce);
    subscriber.on('end', onEnd);
  });
}
