/**
 * The gateway's Redis connections (REDIS_URL), opened here and only here, handed to what needs them,
 * with one error handler, one readiness check and one close:
 *
 * - `publisher` and `subscriber` for live updates (a connection in subscriber mode can run nothing
 *   else, so pub/sub needs its own);
 * - `rateLimit`, only when the rate limit is on: it fails fast (no offline queue, one retry) so that
 *   a Redis outage never holds a request up; the limit then counts in memory (create-rate-limit.ts);
 * - `responseCache`, only with the response cache's Redis store: failing fast too, with a command
 *   timeout, so that a slow or absent Redis is a cache miss, never a request held up.
 *
 * Readiness: an instance that cannot reach Redis cannot serve subscriptions to other instances' jobs,
 * and says so on `/readyz`. The rate limit's and the response cache's connections do not count there:
 * their fallbacks cover them.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { outageLog } from '../telemetry/outage-log.js';
import { connectRedis } from './connect-redis.js';

/** Opens one connection (ioredis by default; tests may count or refuse connections). */
export type RedisFactory = (url: string, options?: RedisOptions) => Redis;

export interface GatewayRedis {
  publisher: Redis;
  subscriber: Redis;
  rateLimit: Redis | null;
  responseCache: Redis | null;
  /** Why live updates across instances cannot work now (Redis unreachable), or null. */
  problem(): string | null;
  close(): Promise<void>;
}

/**
 * ioredis resubscribes by itself after a reconnection, with a promise nobody can handle: when the
 * connection drops again before Redis answers and stays down for its 20 retries, that promise rejects
 * unhandled, which ends the process. The subscriber's users resubscribe on 'ready' themselves
 * (redis-channels.ts, eviction-broadcast.ts), handling the failure.
 */
const RESUBSCRIBED_BY_US: RedisOptions = { autoResubscribe: false };
const FAIL_FAST: RedisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false };
/** A cached answer not read within this is a miss (the request then runs). */
const CACHE_COMMAND_TIMEOUT_MS = 500;

export function openGatewayRedis(
  url: string,
  options: { logger: Logger; rateLimit: boolean; responseCache?: boolean; connect?: RedisFactory | undefined },
): GatewayRedis {
  const connect = options.connect ?? connectRedis;
  const publisher = connect(url);
  const subscriber = connect(url, RESUBSCRIBED_BY_US);
  const rateLimit = options.rateLimit ? connect(url, FAIL_FAST) : null;
  const responseCache = options.responseCache
    ? connect(url, { ...FAIL_FAST, commandTimeout: CACHE_COMMAND_TIMEOUT_MS })
    : null;
  const roles = {
    publisher,
    subscriber,
    ...(rateLimit ? { rateLimit } : {}),
    ...(responseCache ? { responseCache } : {}),
  };
  for (const [role, redis] of Object.entries(roles)) logOutages(redis, role, options.logger);
  return {
    publisher,
    subscriber,
    rateLimit,
    responseCache,
    problem() {
      const down = [publisher, subscriber].find((redis) => redis.status !== 'ready');
      // The URL is not shown: it may hold a password.
      return down
        ? `Redis (REDIS_URL) cannot be reached (connection ${down.status}): live updates across instances are unavailable.`
        : null;
    },
    async close() {
      await Promise.all(Object.values(roles).map(closeConnection));
    },
  };
}

/**
 * ioredis reconnects by itself; without a listener its connection errors would be thrown as unhandled
 * 'error' events. Failed commands still reach their callers: pollers back off and end coded, the rate
 * limit counts in memory. An outage is logged when it starts and when the connection is back, not
 * once per reconnection attempt (outage-log.ts).
 */
function logOutages(redis: Redis, role: string, logger: Logger): void {
  const log = outageLog(
    logger,
    {
      level: 'warn',
      failed: 'Redis connection lost; reconnecting (logged again once it is back)',
      back: 'Redis connection back',
    },
    { role },
  );
  redis.on('error', (error: unknown) => log.failed(error));
  redis.on('ready', () => log.succeeded());
}

/**
 * QUIT on a connection that is not ready would wait in its offline queue until Redis is back or
 * ioredis gives up (20 retries, about 10 s), holding the shutdown up: such a connection is dropped.
 */
async function closeConnection(redis: Redis): Promise<void> {
  // disconnect() also stops ioredis's reconnection timer: the connection stays inert.
  if (redis.status !== 'ready') return redis.disconnect();
  await redis.quit().catch(() => redis.disconnect());
}
