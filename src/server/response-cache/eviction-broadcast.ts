/**
 * Evictions shared between instances: each eviction is published on one Redis channel and applied by
 * every other instance as it arrives, to what it keeps in its own memory: its cached answers with the
 * memory store, and its callers' listed jobs (listed-jobs.ts) with either store. (The Redis store's
 * answers need none of it: one eviction there is seen by all.)
 *
 * A message is the entities to evict and nothing else: no key, no token, no answer. Anything that can
 * publish on the Redis server can at worst evict answers, which the next request fetches again, so
 * messages are not signed (live updates' are: a forged one would be shown to subscribers).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface EvictedEntity {
  typename: string;
  id: string;
}

export interface EvictionBroadcast {
  /** Tells the other instances. */
  publish(entities: readonly EvictedEntity[]): Promise<void>;
  close(): Promise<void>;
}

export interface EvictionBroadcastOptions {
  publisher: Redis;
  /** In subscriber mode from here on; may be shared with live updates (they listen on channels of their own). */
  subscriber: Redis;
  channel: string;
  /** Applies another instance's eviction here. */
  evict(entities: readonly EvictedEntity[]): void;
  logger: Logger;
}

/**
 * Starts listening without waiting for the SUBSCRIBE (an instance starts while Redis is away), and
 * subscribes again on every reconnection (the gateway's subscriber connection does not by itself:
 * gateway-redis.ts); until then, other instances' evictions are missed here, and the answers'
 * times-to-live bound what that costs.
 */
export function startEvictionBroadcast(options: EvictionBroadcastOptions): EvictionBroadcast {
  const { publisher, subscriber, channel, logger } = options;
  const self = randomUUID();
  const onMessage = (from: string, message: string) => {
    if (from !== channel) return;
    try {
      const { origin, entities } = JSON.parse(message) as { origin: string; entities: EvictedEntity[] };
      if (origin !== self && Array.isArray(entities)) options.evict(entities.filter(isEntity));
    } catch (error) {
      logger.warn({ err: error, channel }, 'response cache: dropped a malformed eviction message');
    }
  };
  const subscribe = () => {
    subscriber.subscribe(channel).catch((error: unknown) => {
      logger.warn(
        { err: error, channel },
        'response cache: could not subscribe to evictions; tried again on reconnection',
      );
    });
  };
  subscriber.on('message', onMessage);
  subscriber.on('ready', subscribe);
  // Not before 'ready': a SUBSCRIBE written earlier puts the connection in subscriber mode before
  // ioredis's own ready check, which then fails (redis-channels.ts).
  if (subscriber.status === 'ready') subscribe();
  else if (subscriber.status === 'wait') subscriber.connect().catch(() => {});
  return {
    async publish(entities) {
      if (entities.length > 0) await publisher.publish(channel, JSON.stringify({ origin: self, entities }));
    },
    async close() {
      subscriber.off('message', onMessage);
      subscriber.off('ready', subscribe);
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}

function isEntity(value: unknown): value is EvictedEntity {
  const entity = value as EvictedEntity | null;
  return typeof entity?.typename === 'string' && typeof entity.id === 'string';
}
