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
 * Readiness (`problem`, on `/readyz`): an instance that cannot reach Redis still serves queries,
 * mutations and its own pollers' subscriptions; what it cannot do is live updates across instances.
 * That is said (readiness body, logs) but leaves the instance ready (readiness-response.ts,
 * `degradedOnly`): a Redis outage is every instance's at once, and turning them all not-ready would
 * leave the load balancer nothing to send any request to. Only the publisher and subscriber count
 * there: the rate limit's and the response cache's connections have their fallbacks. A server that
 * refuses REDIS_URL's database (connect-redis.ts) is a configuration error, not an outage: the
 * instance is not ready until it is fixed, and says why.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { outageLog } from '../telemetry/outage-log.js';
import { connectRedis, databaseRefusal } from './connect-redis.js';
import { degradedOnly } from './readiness-response.js';

/** Opens one connection (ioredis by default; tests may count or refuse connections). */
export type RedisFactory = (url: string, options?: RedisOptions) => Redis;

export interface GatewayRedis {
  publisher: Redis;
  subscriber: Redis;
  rateLimit: Redis | null;
  responseCache: Redis | null;
  /**
   * What is wrong with Redis now, or null: REDIS_URL's database refused (the instance is not ready),
   * or Redis unreachable (marked `degradedOnly`: live updates across instances wait, the instance stays ready).
   */
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
  const refusals = new Map<Redis, string>();
  for (const [role, redis] of Object.entries(roles)) watchConnection(redis, role, options.logger, refusals);
  return {
    publisher,
    subscriber,
    rateLimit,
    responseCache,
    problem() {
      // The URL is not shown: it may hold a password.
      const [refusal] = refusals.values();
      if (refusal !== undefined) return refusedDatabaseMessage(refusal);
      const down = [publisher, subscriber].find((redis) => redis.status !== 'ready');
      return down
        ? degradedOnly(
            `Redis (REDIS_URL) cannot be reached (connection ${down.status}): live updates across instances ` +
              'are unavailable until it is back; queries and mutations are served.',
          )
        : null;
    },
    async close() {
      await Promise.all(Object.values(roles).map(closeConnection));
    },
  };
}

function refusedDatabaseMessage(refusal: string): string {
  return (
    `REDIS_URL names a database that the Redis server refuses (${refusal}): a configuration error, not an ` +
    'outage. No other database is used meanwhile; fix the database number in REDIS_URL, or the databases of the server.'
  );
}

/**
 * ioredis reconnects by itself; without a listener its connection errors would be thrown as unhandled
 * 'error' events. Failed commands still reach their callers: pollers back off and end coded, the rate
 * limit counts in memory. An outage is logged when it starts and when the connection is back, not
 * once per reconnection attempt (outage-log.ts); so is a refused database, as an error naming
 * REDIS_URL, and it is kept in `refusals` (for readiness) until the connection is ready.
 */
function watchConnection(redis: Redis, role: string, logger: Logger, refusals: Map<Redis, string>): void {
  const outage = outageLog(
    logger,
    {
      level: 'warn',
      failed: 'Redis connection lost; reconnecting (logged again once it is back)',
      back: 'Redis connection back',
    },
    { role },
  );
  redis.on('error', (error: unknown) => {
    const refusal = databaseRefusal(error);
    // While refused, the connection's other errors (its commands failing, its retries running out)
    // are that refusal's, already logged: not an outage.
    if (refusal === null) return refusals.has(redis) ? undefined : outage.failed(error);
    // Once per refusal, not per reconnection (every 2 s at most).
    if (!refusals.has(redis)) logger.error({ role }, refusedDatabaseMessage(refusal));
    refusals.set(redis, refusal);
  });
  redis.on('ready', () => {
    if (refusals.delete(redis)) logger.info({ role }, 'Redis accepts the database of REDIS_URL now');
    outage.succeeded();
  });
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
