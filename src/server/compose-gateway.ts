/**
 * The composition root: the one place that builds a gateway from its settings (src/config.ts) and a
 * few injectable dependencies, used by `main` (start.ts), the test harness and the benchmark. It
 * starts the embedded simulator when no upstream is configured, connects Redis once
 * (gateway-redis.ts) and hands the connections to live updates, the rate limit and readiness, builds
 * the upstream client, metrics, tracing, live updates, the operation guards and the caches, then the
 * GraphQL gateway and, unless told not to, its HTTP/WebSocket server and the metrics listener (a port
 * of its own, metrics-server.ts). `close()` disposes all of it in one order: transports first, then
 * live updates, the token pool, the upstream client, Redis, the simulator and tracing.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config.js';
import type { LiveUpdates, LiveUpdatesOptions } from '../live/hub.js';
import type { TokenPool } from '../preflight/token-pool.js';
import { createSecretRedactor } from '../secrets/secret-redactor.js';
import type { Simulator, SimulatorOptions } from '../simulator/index.js';
import type { TogetherSimulatorOptions } from '../simulator/together/index.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { TogetherClientOptions } from '../upstream/together/together-client.js';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { ClosableUpstreamClient, UpstreamClientOptions } from '../upstream/client.js';
import type { WebhookStore } from '../webhooks/webhook-store.js';
import { createGateway, type Gateway } from './gateway.js';
import type { OperationGuardParts } from './gateway-plugins.js';
import { startHttpServer, type HttpServerOptions, type RunningServer } from './http.js';
import { startMetricsServer, type RunningMetricsServer } from './metrics-server.js';
import type { ProviderBreakers } from './readiness-response.js';
import { redactingLogger } from './redacting-logger.js';
import { buildBackends, type Backends } from './build-backends.js';
import type { RedisFactory } from './gateway-redis.js';
import type { ResponseCacheDeps } from './response-cache/build-response-cache.js';
import { StartError } from './start-error.js';

export interface GatewayDeps {
  /** The root logger; every component logs through it, scrubbed by the gateway's one redactor. */
  logger: Logger;
  /**
   * The gateway's clock (ms since the epoch): the caches and estimates such as `estimatedSecondsLeft`.
   * The upstream client's deadlines and the pollers' timers keep real time. @default Date.now
   */
  now?: () => number;
  /** Options of the embedded simulator, over those the settings give (its clock, tenants, faults). */
  simulator?: Partial<SimulatorOptions>;
  /** Opens each Redis connection. @default ioredis */
  connectRedis?: RedisFactory;
  /** Options of the embedded Together simulator, over those the settings give. */
  togetherSimulator?: Partial<TogetherSimulatorOptions>;
  /** Makes the Together client from the options the settings give. @default createTogetherClient */
  togetherClient?: (options: TogetherClientOptions) => TogetherClient;
  /** Makes the upstream client from the options the settings give (tests wrap or replace it). @default createUpstreamClient */
  upstreamClient?: (options: UpstreamClientOptions) => ClosableUpstreamClient;
  /** Live-updates options beyond the settings (tests: key prefix, instance id, lease, own Redis connections). */
  live?: Partial<Omit<LiveUpdatesOptions, 'client'>>;
  /** Response-cache options beyond the settings (tests: key prefix, own Redis connections, times-to-live). */
  responseCache?: ResponseCacheDeps;
  /** The pre-flight token pool; the caller's to close. @default one made here, and closed by `close()` */
  tokenPool?: TokenPool;
  /** Where the built dashboard is served from. @default dist/dashboard/ */
  dashboardDir?: string;
  /** Parts the settings would build, made by the caller instead (tests: a registry or exporter of their own). */
  prebuilt?: Partial<{ metrics: GatewayMetrics | null; tracing: Tracing | null } & OperationGuardParts>;
  /**
   * The webhook store, opened by the caller (tests: PGlite in memory), who closes it.
   * @default the database of the settings (DATABASE_URL, or the embedded one in DATA_DIR), closed by `close()`
   */
  webhookStore?: WebhookStore;
  /** Whether this instance watches endpoints' jobs and sends deliveries (specs of the API alone: false). @default true */
  webhookDelivery?: boolean;
  /** The HTTP/WebSocket server on `settings.port`/`host`, with these options; false: in-process only. @default {} */
  listen?: ListenOptions | false;
}

/** The server's options beyond those the settings give (tests may still override the settings' limits). */
type ListenOptions = Omit<HttpServerOptions, 'port' | 'host' | 'limits' | 'maxMessageBytes'> &
  Partial<Pick<HttpServerOptions, 'limits' | 'maxMessageBytes'>>;

export interface ComposedGateway {
  gateway: Gateway;
  /** Nscale's client; when Nscale is not enabled (`TOGETHER_API_URL` alone), one that sends nothing and refuses every call. */
  client: ClosableUpstreamClient;
  /** Nscale's live updates; when Nscale is not enabled, an idle hub that no subscription reaches. */
  live: LiveUpdates;
  /** The embedded (Nscale) simulator, when the gateway runs on one. */
  simulator: Simulator | null;
  /** The embedded Together simulator, when Together runs on one. */
  togetherSimulator: Simulator | null;
  /** Null when `listen: false`. */
  server: RunningServer | null;
  /** The metrics listener (METRICS_HOST:METRICS_PORT); null when metrics are off or `listen: false`. */
  metricsServer: RunningMetricsServer | null;
  close(): Promise<void>;
}

export async function composeGateway(settings: Settings, deps: GatewayDeps): Promise<ComposedGateway> {
  // One redactor for every component's log lines: the secrets in flight are scrubbed from all of them.
  const redactor = createSecretRedactor();
  const logger = redactingLogger(deps.logger, redactor);
  const backends = await buildBackends(settings, deps, logger);
  const gateway = createGateway({
    settings,
    services: backends.services,
    logger,
    redactor,
    metrics: backends.metrics,
    tracing: backends.tracing,
    guards: backends.guards,
    readiness: backends.problem,
    circuitBreakers: providerBreakers(settings, backends),
    responseCache: backends.responseCache,
    dashboardDir: deps.dashboardDir,
  });
  const server = deps.listen === false ? null : await listen(gateway, settings, deps.listen ?? {}, backends);
  const metricsServer = server && backends.metrics ? await listenForMetrics(settings, backends, server, logger) : null;
  let closing: Promise<void> | null = null;
  return {
    gateway,
    client: backends.client,
    live: backends.live,
    simulator: backends.simulator,
    togetherSimulator: backends.togetherSimulator,
    server,
    metricsServer,
    close() {
      closing ??= (async () => {
        gateway.setReady(false);
        // Before the drain, which may last seconds: no webhook attempt begins that the forced exit could cut.
        backends.stopClaiming();
        // The transports first: they end each subscription without reporting it complete (a
        // shutdown is not the end of a job), so that clients resubscribe to another instance. Live
        // updates after: their streams are gone by then; close() stops what is left and releases leases.
        await server?.close();
        await metricsServer?.close();
        await backends.close();
      })();
      return closing;
    },
  };
}

async function listen(
  gateway: Gateway,
  settings: Pick<Settings, 'port' | 'host' | 'connections' | 'maxRequestBodyBytes'>,
  options: ListenOptions,
  backends: Backends,
): Promise<RunningServer> {
  try {
    return await startHttpServer(gateway, {
      limits: settings.connections,
      maxMessageBytes: settings.maxRequestBodyBytes,
      ...options,
      port: settings.port,
      host: settings.host,
    });
  } catch (error) {
    // Whatever started must stop, or the process would hang on with a simulator and pollers.
    await backends.close();
    throw error;
  }
}

async function listenForMetrics(
  settings: Pick<Settings, 'metrics' | 'metricsListener' | 'port'>,
  backends: Backends,
  server: RunningServer,
  logger: Logger,
): Promise<RunningMetricsServer> {
  const { port, host } = settings.metricsListener;
  try {
    const { registry } = backends.metrics!;
    return await startMetricsServer({ registry, path: settings.metrics.path, port, host, logger });
  } catch (error) {
    await server.close();
    await backends.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new StartError(
        port === settings.port
          ? `METRICS_PORT=${port} is the gateway's own PORT: give the metrics a port of their own (they are never served on the public one)`
          : `METRICS_PORT=${port}: the port is already in use on ${host} ` +
              '(another instance on this machine? give each its own METRICS_PORT)',
      );
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new StartError(`METRICS_HOST=${host}: no such interface on this machine`);
    if (code === 'EACCES') throw new StartError(`METRICS_PORT=${port}: not allowed to listen on this port`);
    throw error;
  }
}

/** The circuit breaker of each enabled provider that has one (UPSTREAM_BREAKER_THRESHOLD 0: none). */
function providerBreakers(settings: Settings, backends: Backends): ProviderBreakers {
  const breakers: Array<ProviderBreakers[number]> = [];
  const nscale = settings.providers.includes('nscale') ? backends.client.circuitBreaker : null;
  if (nscale) breakers.push({ provider: 'nscale', breaker: nscale });
  const together = backends.services.providers.get('together')?.together?.circuitBreaker;
  if (together) breakers.push({ provider: 'together', breaker: together });
  return breakers;
}
