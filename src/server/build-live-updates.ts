/**
 * Each enabled provider's live updates, for the back end (build-backends.ts): Nscale's hub and
 * Together's, configured from the settings (live-updates.ts) on the gateway's Redis connections, each
 * under its own key prefix, and the map of them that the webhook watcher joins.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config.js';
import { createLiveUpdates, type LiveUpdates } from '../live/hub.js';
import type { GatewayServices } from '../resolvers/context.js';
import type { ProviderName } from '../providers/provider-name.js';
import { togetherLiveClient } from '../providers/together-live-client.js';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { ClosableUpstreamClient } from '../upstream/client.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { Stop } from './build-backends.js';
import { nscaleEnabled } from './build-upstreams.js';
import type { GatewayDeps } from './compose-gateway.js';
import type { GatewayRedis } from './gateway-redis.js';
import { configuredLiveUpdates } from './live-updates.js';
import type { BuiltResponseCache } from './response-cache/build-response-cache.js';

/**
 * Each enabled provider's live updates, put in `services`; returns Nscale's hub (when Nscale is not
 * enabled, an idle in-process one that no subscription can reach: it never polls nor touches Redis).
 */
export function buildProviderLiveUpdates(
  settings: Settings,
  deps: GatewayDeps,
  logger: Logger,
  stops: Stop[],
  parts: {
    client: ClosableUpstreamClient;
    together: TogetherClient | null;
    services: GatewayServices;
    redis: GatewayRedis | null;
    responseCache: BuiltResponseCache | null;
    metrics: GatewayMetrics | null;
    tracing: Tracing | null;
    livePrefix: string;
  },
): LiveUpdates {
  const { client, together, services, redis, responseCache, metrics, tracing, livePrefix } = parts;
  const live = nscaleEnabled(settings)
    ? configuredLiveUpdates(settings, {
        client,
        logger: logger.child({ component: 'live-updates' }),
        observer: metrics?.live,
        tracer: tracing?.pollers,
        redis,
        onChange: responseCache?.liveChanges('nscale'),
        overrides: { ...deps.live, keyPrefix: livePrefix },
      })
    : createLiveUpdates({ client, keyPrefix: livePrefix });
  stops.push(() => live.close());
  services.live = nscaleEnabled(settings) ? live : null;
  const togetherServices = services.providers.get('together');
  if (together && togetherServices) {
    // Together's own pollers, leases and channels (a prefix of their own): keyed by provider as well as account.
    const keyPrefix = `${livePrefix}together:`;
    const togetherLive = configuredLiveUpdates(settings, {
      client: togetherLiveClient(together),
      logger: logger.child({ component: 'live-updates', provider: 'together' }),
      // One set of live-update metrics for the instance: Together's polls count beside Nscale's.
      observer: metrics?.live,
      tracer: tracing?.pollers,
      redis,
      onChange: responseCache?.liveChanges('together'),
      overrides: { ...deps.live, keyPrefix },
    });
    togetherServices.live = togetherLive;
    stops.push(() => togetherLive.close());
  }
  return live;
}

/** Each enabled provider's live updates: what the webhook watcher joins. */
export function liveHubs(settings: Settings, services: GatewayServices): Map<ProviderName, LiveUpdates> {
  const hubs = new Map<ProviderName, LiveUpdates>();
  for (const name of settings.providers) {
    const hub = name === 'nscale' ? services.live : services.providers.get(name)?.live;
    if (hub) hubs.set(name, hub);
  }
  return hubs;
}
