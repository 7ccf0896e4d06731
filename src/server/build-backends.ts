/**
 * Everything behind the GraphQL gateway, built from the settings for the composition root
 * (compose-gateway.ts): the embedded simulators (when no upstream is configured), metrics and tracing,
 * the upstream clients (Nscale's, and Together's when enabled; those four made in build-upstreams.ts)
 * and the provider seams over them, Redis (connected once, gateway-redis.ts), the operation guards, live updates,
 * the caches (the response cache among them, which hears what live updates see change) and the token pool,
 * and webhooks (build-webhooks.ts: the store, the watcher, the sender). `close()` stops what it started,
 * in the reverse order of need.
 */
import { parse } from 'graphql';
import type { Logger } from 'pino';
import type { Settings } from '../config.js';
import { createLiveUpdates, type LiveUpdates } from '../live/hub.js';
import { createTokenPool } from '../preflight/token-pool.js';
import { BaseModelCatalogue } from '../resolvers/base-model-catalogue.js';
import { CallerCache } from '../resolvers/caller-cache.js';
import type { GatewayServices, ProviderServices } from '../resolvers/context.js';
import type { ProviderName } from '../providers/provider-name.js';
import { nscaleProvider } from '../providers/nscale-provider.js';
import { togetherProvider } from '../providers/together-provider.js';
import { togetherLiveClient } from '../providers/together-live-client.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import { DatasetCatalogue } from '../resolvers/dataset-catalogue.js';
import type { Simulator } from '../simulator/index.js';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { ClosableUpstreamClient } from '../upstream/client.js';
import type { GatewayDeps } from './compose-gateway.js';
import type { OperationGuardParts } from './gateway-plugins.js';
import { openGatewayRedis, type GatewayRedis } from './gateway-redis.js';
import { configuredLiveUpdates } from './live-updates.js';
import { redisRealm } from './redis-realm.js';
import { buildResponseCache, type BuiltResponseCache } from './response-cache/build-response-cache.js';
import { StartError } from './start-error.js';
import { startOperationGuards } from './start-operation-guards.js';
import { watchTokenOutcomes } from './watch-token-outcomes.js';
import { buildWebhooks } from './build-webhooks.js';
import {
  checkProviders,
  embeddedSimulator,
  nscaleEnabled,
  observability,
  togetherBackend,
  upstreamClient,
} from './build-upstreams.js';

export interface Backends {
  simulator: Simulator | null;
  /** The embedded Together simulator, when Together is enabled without a URL. */
  togetherSimulator: Simulator | null;
  /** Nscale's client; when Nscale is not enabled, one that sends nothing and refuses every call. */
  client: ClosableUpstreamClient;
  /** The Together client, when Together is enabled. */
  togetherClient: TogetherClient | null;
  /** Nscale's live updates; when Nscale is not enabled, an idle in-process hub that nothing reaches. */
  live: LiveUpdates;
  metrics: GatewayMetrics | null;
  tracing: Tracing | null;
  guards: OperationGuardParts;
  services: GatewayServices;
  /** The response cache, or null when off (RESPONSE_CACHE_ENABLED=false). */
  responseCache: BuiltResponseCache | null;
  /** Why the gateway cannot serve now (a database Redis refuses), or is degraded (Redis unreachable), or null. */
  problem(): string | null;
  /** A shutdown's first step: no webhook attempt begins after it (those in flight go on until close()). */
  stopClaiming(): void;
  close(): Promise<void>;
}

/** Stops, in order, what has started so far. */
type Stop = () => Promise<unknown> | undefined;

export async function buildBackends(settings: Settings, deps: GatewayDeps, logger: Logger): Promise<Backends> {
  const stops: Stop[] = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    checkProviders(settings);
    const simulator = await embeddedSimulator(settings, deps);
    if (simulator) stops.push(() => simulator.close());
    const { metrics, tracing } = await observability(settings, deps);
    if (tracing && deps.prebuilt?.tracing === undefined) stops.push(() => tracing.shutdown());
    const ownClient = upstreamClient(settings, deps, logger, simulator, [metrics, tracing]);
    stops.push(() => ownClient.close());
    const together = await togetherBackend(settings, deps, logger, [metrics, tracing]);
    if (together) stops.push(() => together.close());
    const upstreams = upstreamUrls(settings, simulator, together?.simulator ?? null);
    const { redis, responseCache } = await redisAndCache(settings, deps, logger, stops, upstreams, metrics);
    const guards = await operationGuards(settings, deps, redis);
    // The rate limit learns which tokens the upstream accepts, and which it refuses, from every call.
    const watch = <T extends object>(c: T): T => (guards.rateLimit ? watchTokenOutcomes(c, guards.rateLimit) : c);
    const client = watch(ownClient);
    const togetherClient = together ? watch(together.client) : null;
    // The trusted documents are the operator's own: their names have label slots from the start.
    if (metrics && guards.trustedDocuments) metrics.operationName.admit(operationNames(guards.trustedDocuments));
    const services = gatewayServices(settings, deps, { client, together: togetherClient }, metrics);
    if (!deps.tokenPool) stops.push(() => services.preflight.pool.close());
    // The deployment's share of Redis (redis-realm.ts): its keys and channels, no other deployment's.
    const livePrefix = deps.live?.keyPrefix ?? `ftgw:live:${redisRealm(upstreams, settings.redisUrl)}:`;
    const live = providerLiveUpdates(settings, deps, logger, stops, {
      client,
      together: together?.client ?? null,
      services,
      redis,
      responseCache,
      metrics,
      tracing,
      livePrefix,
    });
    // Stopped before live updates (stops run in reverse): the watcher's streams end first.
    const webhooks = await buildWebhooks(settings, {
      logger,
      hubs: liveHubs(settings, services),
      metrics,
      now: deps.now ?? Date.now,
      store: deps.webhookStore,
      deliver: deps.webhookDelivery ?? true,
    });
    if (webhooks) stops.push(() => webhooks.close());
    services.webhooks = webhooks?.services ?? null;
    return {
      simulator,
      togetherSimulator: together?.simulator ?? null,
      client,
      togetherClient,
      live,
      metrics,
      tracing,
      guards,
      services,
      responseCache,
      problem: () => redis?.problem() ?? null,
      stopClaiming: () => webhooks?.stopClaiming(),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Each enabled provider's live updates, put in `services`; returns Nscale's hub (when Nscale is not
 * enabled, an idle in-process one that no subscription can reach: it never polls nor touches Redis).
 */
function providerLiveUpdates(
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

/** The providers' base URLs: the embedded simulators' or the configured ones. */
function upstreamUrls(settings: Settings, simulator: Simulator | null, togetherSimulator: Simulator | null): string[] {
  return [
    simulator?.apiBaseUrl ?? (settings.upstream.kind === 'remote' ? settings.upstream.baseUrl : ''),
    togetherSimulator?.apiBaseUrl ??
      (settings.together?.upstream.kind === 'remote' ? settings.together.upstream.baseUrl : ''),
  ];
}

/**
 * The gateway's Redis connections (when REDIS_URL is set) and the response cache (when on), which may
 * use them; `upstreams` (the providers' base URLs) name the cache's share of Redis.
 */
async function redisAndCache(
  settings: Settings,
  deps: GatewayDeps,
  logger: Logger,
  stops: Stop[],
  upstreams: readonly string[],
  metrics: GatewayMetrics | null,
) {
  const redis = settings.redisUrl
    ? openGatewayRedis(settings.redisUrl, {
        logger,
        rateLimit: !!settings.rateLimit,
        responseCache: settings.responseCache?.store === 'redis' && !deps.responseCache?.redis,
        connect: deps.connectRedis,
      })
    : null;
  if (redis) stops.push(() => redis.close());
  const responseCache = settings.responseCache
    ? await buildResponseCache(
        settings.responseCache,
        deps.responseCache?.redis ??
          (redis && { store: redis.responseCache, publisher: redis.publisher, subscriber: redis.subscriber }),
        {
          ...deps.responseCache,
          now: deps.now,
          realm: redisRealm(upstreams, settings.redisUrl),
          polling: settings.polling,
          ...(metrics ? { onListedJob: metrics.listedJobLookup } : {}),
        },
        logger.child({ component: 'response-cache' }),
      )
    : null;
  if (responseCache) stops.push(() => responseCache.close());
  return { redis, responseCache };
}

/** Each enabled provider's live updates: what the webhook watcher joins. */
function liveHubs(settings: Settings, services: GatewayServices): Map<ProviderName, LiveUpdates> {
  const hubs = new Map<ProviderName, LiveUpdates>();
  for (const name of settings.providers) {
    const hub = name === 'nscale' ? services.live : services.providers.get(name)?.live;
    if (hub) hubs.set(name, hub);
  }
  return hubs;
}

async function operationGuards(
  settings: Settings,
  deps: GatewayDeps,
  redis: GatewayRedis | null,
): Promise<OperationGuardParts> {
  const built = await startOperationGuards(settings, redis?.rateLimit ?? null).catch((error: unknown) => {
    throw new StartError((error as Error).message);
  });
  const given = deps.prebuilt ?? {};
  return {
    rateLimit: given.rateLimit !== undefined ? given.rateLimit : built.rateLimit,
    apqStore: given.apqStore !== undefined ? given.apqStore : built.apqStore,
    trustedDocuments: given.trustedDocuments !== undefined ? given.trustedDocuments : built.trustedDocuments,
  };
}

function gatewayServices(
  settings: Settings,
  deps: GatewayDeps,
  clients: { client: ClosableUpstreamClient; together: TogetherClient | null },
  metrics: GatewayMetrics | null,
): GatewayServices {
  const now = deps.now ?? Date.now;
  const catalogue = new BaseModelCatalogue({
    ttlMs: settings.baseModelCacheMs,
    now,
    ...(metrics ? { onLookup: metrics.catalogueLookup } : {}),
  });
  // Each provider's caches are its own: one provider's answer can never serve the other's caller.
  const providers = new Map<ProviderName, ProviderServices>();
  for (const name of settings.providers) {
    if (name === 'nscale') providers.set(name, { api: nscaleProvider(clients.client), catalogue });
    else if (clients.together)
      providers.set(name, {
        api: togetherProvider(clients.together),
        together: clients.together,
        catalogue: new CallerCache({ ttlMs: settings.baseModelCacheMs, now }),
      });
  }
  return {
    client: clients.client,
    catalogue,
    providers,
    datasets: new DatasetCatalogue({ ttlMs: settings.datasetCacheMs, now }),
    live: null, // set once live updates are built, which needs the client first
    now,
    // One figure for the analysis and for the file parts it reads (upload-limits.ts).
    preflight: {
      pool: deps.tokenPool ?? createTokenPool({ heapLimitMb: settings.analyzeWorkerHeapMb }),
      maxBytes: settings.maxAnalyzeBytes,
      duplicateRows: settings.analyzeDuplicateRows,
    },
    webhooks: null,
  };
}

/** The names of the operations in the trusted documents (hash → text), in the documents' order. */
function operationNames(documents: ReadonlyMap<string, string>): string[] {
  return [...documents.values()].flatMap((text) =>
    parse(text).definitions.flatMap((d) => (d.kind === 'OperationDefinition' && d.name ? [d.name.value] : [])),
  );
}
