/**
 * Everything behind the GraphQL gateway, built from the settings for the composition root
 * (compose-gateway.ts), in the order each part needs the others: the embedded simulators (when no
 * upstream is configured), metrics, tracing and the upstream clients (build-upstreams.ts); Redis,
 * connected once and checked at start, and the response cache (build-redis-and-cache.ts); the
 * operation guards (build-operation-guards.ts); the provider seams, caches and token pool
 * (build-gateway-services.ts); live updates (build-live-updates.ts), which the response cache hears;
 * webhooks (build-webhooks.ts: the store, the watcher, the sender), the download links on the
 * webhooks' database (build-downloads.ts) and createJob's idempotency keys on it
 * (build-creation-keys.ts). `close()` stops what it started, in the reverse order of need, and so
 * does a start that fails half-way.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config.js';
import type { LiveUpdates } from '../live/hub.js';
import type { GatewayServices } from '../resolvers/context.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { Simulator } from '../simulator/index.js';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { ClosableUpstreamClient } from '../upstream/client.js';
import type { GatewayDeps } from './compose-gateway.js';
import type { OperationGuardParts } from './gateway-plugins.js';
import { firstProblem } from './readiness-response.js';
import { redisRealm } from './redis-realm.js';
import type { BuiltResponseCache } from './response-cache/build-response-cache.js';
import { watchTokenOutcomes } from './watch-token-outcomes.js';
import { webhookDatabaseProblem } from './webhook-database.js';
import { togetherFullJob } from '../providers/together-live-client.js';
import { buildWebhooks } from './build-webhooks.js';
import { buildCreationKeys } from './build-creation-keys.js';
import { buildDownloadLinks } from './build-downloads.js';
import { buildGatewayServices } from './build-gateway-services.js';
import { buildProviderLiveUpdates, liveHubs } from './build-live-updates.js';
import { buildOperationGuards, operationNames } from './build-operation-guards.js';
import { buildRedisAndCache, upstreamUrls } from './build-redis-and-cache.js';
import {
  checkProviders,
  embeddedSimulator,
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
  /**
   * Why the gateway cannot serve now (a database Redis refuses), or is degraded (Redis, or the webhook
   * database, unreachable), or null.
   */
  problem(): string | null;
  /** A shutdown's first step: no webhook attempt begins after it (those in flight go on until close()). */
  stopClaiming(): void;
  close(): Promise<void>;
}

/** Stops, in order, what has started so far. */
export type Stop = () => Promise<unknown> | undefined;

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
    const { redis, responseCache } = await buildRedisAndCache(settings, deps, logger, stops, upstreams, metrics);
    const guards = await buildOperationGuards(settings, deps, redis);
    // The rate limit learns which tokens the upstream accepts, and which it refuses, from every call.
    const watch = <T extends object>(c: T): T => (guards.rateLimit ? watchTokenOutcomes(c, guards.rateLimit) : c);
    const client = watch(ownClient);
    const togetherClient = together ? watch(together.client) : null;
    // The trusted documents are the operator's own: their names have label slots from the start.
    if (metrics && guards.trustedDocuments) metrics.operationName.admit(operationNames(guards.trustedDocuments));
    const services = buildGatewayServices(settings, deps, { client, together: togetherClient }, metrics);
    if (!deps.tokenPool) stops.push(() => services.preflight.pool.close());
    // The deployment's share of Redis (redis-realm.ts): its keys and channels, no other deployment's.
    const livePrefix = deps.live?.keyPrefix ?? `ftgw:live:${redisRealm(upstreams, settings.redisUrl)}:`;
    const live = buildProviderLiveUpdates(settings, deps, logger, stops, {
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
      // With the client Together's live updates poll through: a failed job's reason, which its list leaves out.
      ...(together ? { fullJobs: { together: togetherFullJob(together.client) } } : {}),
    });
    if (webhooks) stops.push(() => webhooks.close());
    services.webhooks = webhooks?.services ?? null;
    services.downloads = buildDownloadLinks(settings, webhooks?.store ?? null, logger);
    services.creationKeys = buildCreationKeys(settings, webhooks?.store ?? null, services.now, logger);
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
      problem: () => firstProblem(redis?.problem() ?? null, webhookDatabaseProblem(webhooks?.store)),
      stopClaiming: () => webhooks?.stopClaiming(),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
