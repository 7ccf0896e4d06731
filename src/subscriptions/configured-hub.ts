/**
 * Live updates as configured: in-process, or through Redis when REDIS_URL is set (events over
 * pub/sub, one polling instance per job through a lease).
 */
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import { createLiveUpdates, type LiveUpdates } from '../subscriptions/hub.js';
import type { UpstreamClient } from '../upstream/types.js';

export interface ConfiguredLiveUpdates {
  hub: LiveUpdates;
  close(): Promise<void>;
}

export async function startLiveUpdates(config: GatewayConfig, client: UpstreamClient, logger: Logger): Promise<ConfiguredLiveUpdates> {
  const hub = createLiveUpdates({
    client,
    logger,
    ...(config.redisUrl ? { redis: { url: config.redisUrl } } : {}),
    intervals: {
      runningMs: config.polling.runningMs,
      queuedMs: config.polling.queuedMs,
      listMs: config.polling.listMs,
      maxBackoffMs: config.polling.maxBackoffMs,
      heartbeatMs: config.redisHeartbeatMs,
    },
  });
  logger.info(config.redisUrl ? 'live updates through Redis (shared across instances)' : 'live updates in-process');
  return { hub, close: () => hub.close() };
}
