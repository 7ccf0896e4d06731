/**
 * Live updates as configured: in-process, or through Redis when REDIS_URL is set (events over
 * pub/sub, one polling instance per job through a lease). The Redis connections are made here, not
 * by the hub, so that readiness can report them: an instance that cannot reach Redis cannot serve
 * subscriptions to other instances' jobs, and says so on `/readyz`.
 */
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import { connectRedis } from './connect-redis.js';
import { createLiveUpdates, type LiveUpdates } from '../live/hub.js';
import type { LiveUpdatesObserver } from '../live/observed.js';
import type { UpstreamClient } from '../upstream/types.js';

export interface ConfiguredLiveUpdates {
  hub: LiveUpdates;
  /** Why live updates cannot work right now (Redis unreachable), or null. */
  problem(): string | null;
  close(): Promise<void>;
}

export async function startLiveUpdates(
  config: GatewayConfig,
  client: UpstreamClient,
  logger: Logger,
  observer?: LiveUpdatesObserver,
): Promise<ConfiguredLiveUpdates> {
  const connections = config.redisUrl
    ? { publisher: connectRedis(config.redisUrl), subscriber: connectRedis(config.redisUrl) }
    : null;
  const owned = connections ? [connections.publisher, connections.subscriber] : [];
  // ioredis reconnects by itself; without a listener its connection errors would be thrown as
  // unhandled 'error' events. Failed commands still reach the pollers, which back off and end coded.
  for (const redis of owned)
    redis.on('error', (error: unknown) => logger.warn({ err: error }, 'live updates: Redis connection error'));
  const hub = createLiveUpdates({
    client,
    logger,
    ...(observer ? { observer } : {}),
    ...(connections ? { redis: connections } : {}),
    intervals: {
      runningMs: config.polling.runningMs,
      queuedMs: config.polling.queuedMs,
      listMs: config.polling.listMs,
      maxBackoffMs: config.polling.maxBackoffMs,
      heartbeatMs: config.redisHeartbeatMs,
    },
  });
  logger.info(config.redisUrl ? 'live updates through Redis (shared across instances)' : 'live updates in-process');
  return {
    hub,
    problem() {
      const down = owned.find((redis) => redis.status !== 'ready');
      // The URL is not shown: it may hold a password.
      return down
        ? `Redis (REDIS_URL) cannot be reached (connection ${down.status}): live updates across instances are unavailable.`
        : null;
    },
    async close() {
      await hub.close();
      await Promise.all(owned.map((redis) => redis.quit().catch(() => redis.disconnect())));
    },
  };
}
