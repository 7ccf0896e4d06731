/**
 * The back end's share of Redis, for build-backends.ts: the gateway's Redis connections (when
 * REDIS_URL is set: gateway-redis.ts), checked at start (a Redis that refuses them stops the start;
 * one that is down or unreachable does not), and the response cache, which may use them. Both are
 * named after the deployment (redis-realm.ts): the upstreams it is in front of and the database.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config.js';
import type { Simulator } from '../simulator/index.js';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import type { Stop } from './build-backends.js';
import type { GatewayDeps } from './compose-gateway.js';
import { openGatewayRedis, type GatewayRedis } from './gateway-redis.js';
import { redisRealm } from './redis-realm.js';
import { buildResponseCache, type BuiltResponseCache } from './response-cache/build-response-cache.js';

/** The providers' base URLs: the embedded simulators' or the configured ones. */
export function upstreamUrls(
  settings: Settings,
  simulator: Simulator | null,
  togetherSimulator: Simulator | null,
): string[] {
  return [
    simulator?.apiBaseUrl ?? (settings.upstream.kind === 'remote' ? settings.upstream.baseUrl : ''),
    togetherSimulator?.apiBaseUrl ??
      (settings.together?.upstream.kind === 'remote' ? settings.together.upstream.baseUrl : ''),
  ];
}

/** The gateway's Redis connections, with the deployment's share of that Redis (redis-realm.ts) that its keys are named under. */
export interface DeploymentRedis extends GatewayRedis {
  readonly realm: string;
}

/**
 * The gateway's Redis connections (when REDIS_URL is set) and the response cache (when on), which may
 * use them; `upstreams` (the providers' base URLs) name their share of Redis (the cache's, the rate limit's). Nothing uses the
 * connections before Redis has answered them (`checkAtStart`): a refusal throws a StartError, and
 * what started is stopped by the caller.
 */
export async function buildRedisAndCache(
  settings: Settings,
  deps: GatewayDeps,
  logger: Logger,
  stops: Stop[],
  upstreams: readonly string[],
  metrics: GatewayMetrics | null,
): Promise<{ redis: DeploymentRedis | null; responseCache: BuiltResponseCache | null }> {
  const realm = redisRealm(upstreams, settings.redisUrl);
  const redis = settings.redisUrl
    ? Object.assign(
        openGatewayRedis(settings.redisUrl, {
          logger,
          rateLimit: !!settings.rateLimit,
          responseCache: settings.responseCache?.store === 'redis' && !deps.responseCache?.redis,
          connect: deps.connectRedis,
        }),
        { realm },
      )
    : null;
  if (redis) {
    stops.push(() => redis.close());
    await redis.checkAtStart();
  }
  const responseCache = settings.responseCache
    ? await buildResponseCache(
        settings.responseCache,
        deps.responseCache?.redis ??
          (redis && { store: redis.responseCache, publisher: redis.publisher, subscriber: redis.subscriber }),
        {
          ...deps.responseCache,
          now: deps.now,
          realm,
          polling: settings.polling,
          ...(metrics ? { onListedJob: metrics.listedJobLookup } : {}),
        },
        logger.child({ component: 'response-cache' }),
      )
    : null;
  if (responseCache) stops.push(() => responseCache.close());
  return { redis, responseCache };
}
