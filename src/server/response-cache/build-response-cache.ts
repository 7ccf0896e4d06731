/**
 * The response cache as the settings have it (RESPONSE_CACHE_*), for the composition root
 * (build-redis-and-cache.ts): its store (in memory, or in Redis shared by every instance), how evictions
 * reach every instance (with Redis, broadcast: for the memory store's answers and every instance's
 * listed jobs; the Redis store's answers are evicted in Redis itself), and
 * the listener each provider's live updates call with what their pollers saw change.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Settings } from '../../config.js';
import type { PublishListener } from '../../live/hub.js';
import type { ProviderName } from '../../providers/provider-name.js';
import {
  RESPONSE_TTL_POLICY,
  responseTtlPolicy,
  type PolicyIntervals,
  type ResponseTtlPolicy,
} from '../../schema/response-cache-policy.js';
import { redisRealm } from '../redis-realm.js';
import { startEvictionBroadcast, type EvictionBroadcast } from './eviction-broadcast.js';
import { ListedJobStore } from './listed-jobs.js';
import { createMemoryStore } from './memory-store.js';
import { createResponseCache, type ResponseCache } from './response-cache.js';

/** The connections the cache uses with Redis: the gateway's (gateway-redis.ts), or a test's own. */
export interface ResponseCacheRedis {
  /** Reads and writes answers (the `redis` store); the gateway's fails fast. */
  store: Redis | null;
  /** Publishes evictions (the `memory` store). */
  publisher: Redis;
  /** Hears other instances' evictions (the `memory` store). */
  subscriber: Redis;
}

/** What the composition root's callers may set beyond the settings (tests). */
export interface ResponseCacheDeps {
  /** Connections of the cache's own, instead of the gateway's (a test without REDIS_URL). */
  redis?: ResponseCacheRedis;
  /**
   * Prefix of the cache's Redis keys and channel. @default `ftgw:rc:` and the deployment's realm (redis-realm.ts: its
   * upstreams' URLs and Redis database): gateways in front of other upstreams (another deployment, a test's own simulator)
   * never share answers through one Redis, whose keys would otherwise be the same for the same tokens.
   */
  keyPrefix?: string;
  /** The times-to-live, instead of src/schema/response-cache-policy.ts's (a test that must not race one). */
  policy?: ResponseTtlPolicy;
}

export interface BuiltResponseCache {
  cache: ResponseCache;
  policy: ResponseTtlPolicy;
  /** Hears a provider's live-update changes: evicts the jobs that changed and their account's job lists. */
  liveChanges(provider: ProviderName): PublishListener;
  close(): Promise<void>;
}

type CacheSettings = NonNullable<Settings['responseCache']>;

export async function buildResponseCache(
  settings: CacheSettings,
  redis: ResponseCacheRedis | null,
  deps: ResponseCacheDeps & {
    now?: (() => number) | undefined;
    upstreams?: readonly string[];
    /** The deployment's share of Redis (redis-realm.ts); @default named by `upstreams` alone. */
    realm?: string;
    /** The live updates' poll intervals, which the times-to-live follow (unless `policy` is given). */
    polling?: PolicyIntervals;
    /** Counts each `job(id)` taken from a listed job, or asked of the upstream (the gateway's metrics). */
    onListedJob?: (used: boolean) => void;
  },
  logger: Logger,
): Promise<BuiltResponseCache> {
  const now = deps.now ?? Date.now;
  const policy = deps.policy ?? (deps.polling ? responseTtlPolicy(deps.polling) : RESPONSE_TTL_POLICY);
  const realm = deps.realm ?? redisRealm(deps.upstreams ?? [], null);
  const keyPrefix = deps.keyPrefix ?? `ftgw:rc:${realm}:`;
  let cache: ResponseCache;
  let broadcast: EvictionBroadcast | null = null;
  const listedJobs = new ListedJobStore({
    policy,
    now,
    maxEntries: settings.maxEntries,
    ...(deps.onListedJob ? { onRecall: deps.onListedJob } : {}),
  });
  if (settings.store === 'redis') {
    if (!redis?.store) throw new Error('RESPONSE_CACHE_STORE=redis needs a Redis connection (REDIS_URL)');
    // Loaded only for this store (with the library it drives).
    const { answerKey, createRedisStore } = await import('./redis-store.js');
    const backing = createRedisStore({ redis: redis.store, keyPrefix, setLifetimeMs: longestTtl(policy) });
    cache = createResponseCache({
      backing,
      storeKey: (key) => answerKey(keyPrefix, key),
      logger,
      now,
      listedJobs,
      sharedStore: true,
    });
  } else {
    const backing = createMemoryStore({ maxEntries: settings.maxEntries, maxBytes: settings.maxBytes });
    cache = createResponseCache({ backing, logger, now, listedJobs });
  }
  // Each instance keeps its callers' listed jobs (and, with the memory store, its answers) in its own
  // memory: every eviction reaches every instance through this channel. (The Redis store's answers
  // are evicted in Redis, once for all.)
  if (redis) {
    broadcast = startEvictionBroadcast({
      publisher: redis.publisher,
      subscriber: redis.subscriber,
      channel: `${keyPrefix}evictions`,
      evict: (entities) => cache.evictHere(entities),
      logger,
    });
    cache.share(broadcast);
  }
  logger.info(
    `response cache: on, ${
      settings.store === 'redis'
        ? 'in Redis (shared by every instance)'
        : redis
          ? 'in memory, evictions shared through Redis'
          : 'in memory'
    }`,
  );
  return {
    cache,
    policy,
    liveChanges: (provider) => (topic, snapshots) =>
      cache.jobsChanged(
        provider,
        topic.organizationId,
        snapshots.map((snapshot) => snapshot.job.id),
      ),
    close: async () => {
      await broadcast?.close();
    },
  };
}

/** The longest an answer may live under `policy`, in ms: what an entity's set in Redis must outlive. */
function longestTtl(policy: ResponseTtlPolicy): number {
  return Math.max(...Object.values(policy.coordinates), ...Object.values(policy.jobs), 1);
}
