/**
 * The response cache's store in Redis (`@envelop/response-cache-redis`), shared by every instance, so
 * an eviction on one is an eviction on all. Loaded only when configured (it is the one user of
 * ioredis here besides live updates and the rate limit).
 *
 * The library writes each answer (`SET … PX ttl`), and per entity a set of the answers holding it,
 * which it never expires and which, per type, it keeps under the bare type name (`Job`), outside any
 * prefix. It is handed a client of ours in front of the connection that keeps its keys under
 * `keyPrefix` and bounded:
 * - the answer keys and entity keys are built under the prefix (`<prefix>r:…`, `<prefix>e:Job:…`);
 * - the per-type sets are not written at all: nothing here evicts by type (an eviction without an id
 *   would make the library scan the whole keyspace with KEYS);
 * - every set the library adds to expires `setLifetimeMs` after its last addition (the longest
 *   time-to-live of an answer), so that sets of answers long gone do not pile up.
 * No key and no value holds a token: keys are hashes (cache-identity.ts), values are GraphQL answers.
 */
import type { Cache } from '@graphql-yoga/plugin-response-cache';
import { createRedisCache } from '@envelop/response-cache-redis';
import type { Redis } from 'ioredis';

export interface RedisStoreOptions {
  redis: Redis;
  /** Prefix of every key; the store's keys never leave it. */
  keyPrefix: string;
  /** How long an entity's set lives after its last addition, in ms (at least the longest time-to-live). */
  setLifetimeMs: number;
}

/** Keys of answers under the prefix: the store is handed them already prefixed (see `answerKey`). */
export const answerKey = (keyPrefix: string, key: string): string => `${keyPrefix}r:${key}`;

export function createRedisStore({ redis, keyPrefix, setLifetimeMs }: RedisStoreOptions): Cache {
  return createRedisCache({
    redis: boundedClient(redis, keyPrefix, setLifetimeMs),
    buildRedisEntityId: (typename, id) => `${keyPrefix}e:${typename}:${id}`,
    buildRedisOperationResultCacheKey: (responseId) => `${responseId}:entities`,
  }) as Cache;
}

type Pipeline = ReturnType<Redis['pipeline']>;

/** The few commands the library sends, onto `redis`, with the rules of the header. */
function boundedClient(redis: Redis, keyPrefix: string, setLifetimeMs: number): Redis {
  const client = {
    get: (key: string) => redis.get(key),
    smembers: (key: string) => redis.smembers(key),
    del: (keys: string[]) => redis.del(keys),
    // Only asked when evicting by type, which nothing here does.
    keys: async () => [],
    pipeline() {
      const pipeline: Pipeline = redis.pipeline();
      const bounded = {
        set(...args: Parameters<Pipeline['set']>) {
          pipeline.set(...args);
          return bounded;
        },
        sadd(key: string, member: string) {
          if (key.startsWith(keyPrefix)) pipeline.sadd(key, member).pexpire(key, setLifetimeMs);
          return bounded;
        },
        exec: () => pipeline.exec(),
      };
      return bounded;
    },
  };
  return client as unknown as Redis;
}
