/**
 * Live updates as configured: in-process, or through Redis when the composition root hands over
 * connections (events over pub/sub, one polling instance per job through a lease). The hub's
 * intervals come from the settings (POLL_INTERVAL_*, POLL_MAX_BACKOFF_MS, REDIS_HEARTBEAT_MS);
 * their defaults are the engine's own (src/live/options.ts), which the settings read.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config.js';
import { createLiveUpdates, type LiveUpdates, type LiveUpdatesOptions } from '../live/hub.js';
import type { LiveUpdatesObserver, PollerTracer, PublishListener } from '../live/observed.js';
import type { LiveClient, RedisConnections } from '../live/options.js';

export interface LiveUpdatesParts {
  client: LiveClient;
  logger: Logger;
  observer?: LiveUpdatesObserver | undefined;
  /** Groups each poller's polls into one trace, when tracing is on. */
  tracer?: PollerTracer | undefined;
  /** The gateway's connections (gateway-redis.ts); null: in-process only. */
  redis: RedisConnections | null;
  /** Hears what the pollers see change (the response cache evicts it). */
  onChange?: PublishListener | undefined;
  /** Engine options beyond the settings (tests: key prefix, instance id, lease, intervals). */
  overrides?: Partial<Omit<LiveUpdatesOptions, 'client'>> | undefined;
}

export function configuredLiveUpdates(
  settings: Pick<Settings, 'polling' | 'redisHeartbeatMs' | 'redisMessageSecret' | 'redisMessageSecretAccepted'>,
  { client, logger, observer, tracer, redis, onChange, overrides = {} }: LiveUpdatesParts,
): LiveUpdates {
  const shared = overrides.redis ?? redis;
  logger.info(shared ? 'live updates through Redis (shared across instances)' : 'live updates in-process');
  if (shared && !settings.redisMessageSecret)
    logger.warn(
      'live updates through Redis are not authenticated: anything that can publish on the Redis server ' +
        'can forge job states. Set REDIS_MESSAGE_SECRET (the same on every instance).',
    );
  return createLiveUpdates({
    client,
    logger,
    messageSecret: settings.redisMessageSecret,
    acceptedMessageSecret: settings.redisMessageSecretAccepted,
    ...(observer ? { observer } : {}),
    ...(tracer ? { tracer } : {}),
    ...(onChange ? { onChange } : {}),
    ...(shared ? { redis: shared } : {}),
    ...overrides,
    intervals: { ...settings.polling, heartbeatMs: settings.redisHeartbeatMs, ...overrides.intervals },
  });
}
