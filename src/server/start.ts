/**
 * Starts the whole gateway from its configuration: the embedded simulator when no upstream is
 * configured, the upstream client, live updates (with Redis when REDIS_URL is set), the GraphQL
 * gateway and its transports. `close()` shuts them down in order; main.ts calls it on SIGTERM.
 */
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import type { Simulator } from '../simulator/index.js';
import { startLiveUpdates } from './live-updates.js';
import { createSecretRedactor } from '../secrets/secret-redactor.js';
import { createGatewayMetrics } from '../telemetry/gateway-metrics.js';
import { requestIdToUpstream } from '../telemetry/request-scope.js';
import { createUpstreamClient } from '../upstream/client.js';
import { combineObservers } from '../upstream/observer.js';
import { createGateway, type Gateway } from './gateway.js';
import { startHttpServer, type RunningServer } from './http.js';
import { redactingLogger } from './redacting-logger.js';
import { startOperationGuards } from './start-operation-guards.js';

/** A start-up failure the user can fix, with a message naming the setting. */
export class StartError extends Error {
  override readonly name = 'StartError';
}

export interface RunningGateway {
  url: string;
  gateway: Gateway;
  server: RunningServer;
  /** The embedded simulator, when the gateway runs on one. */
  simulator: Simulator | null;
  close(): Promise<void>;
}

export async function startFromConfig(config: GatewayConfig, rootLogger: Logger): Promise<RunningGateway> {
  // One redactor for every component's log lines: the secrets in flight are scrubbed from all of them.
  const redactor = createSecretRedactor();
  const logger = redactingLogger(rootLogger, redactor);
  const simulator =
    config.upstream.kind === 'embedded'
      ? // Imported only when embedded: a gateway in front of a real upstream never loads the simulator.
        await (
          await import('../simulator/index.js')
        ).startSimulator({
          port: 0,
          host: '127.0.0.1',
          jobSeconds: config.upstream.jobSeconds,
          maxUploadBytes: config.maxUploadBytes,
        })
      : null;
  const baseUrl = simulator ? simulator.apiBaseUrl : (config.upstream as { baseUrl: string }).baseUrl;
  const metrics = config.metrics.enabled
    ? createGatewayMetrics({
        operationNameLimit: config.metrics.operationNameLimit,
        organizationLabel: config.metrics.organizationLabel,
      })
    : null;
  // Loaded only when configured: without it the OpenTelemetry SDK is never imported.
  const tracing = config.tracing
    ? await (
        await import('../telemetry/tracing.js')
      ).createTracing({ endpoint: config.tracing.tracesUrl, serviceName: config.tracing.serviceName })
    : null;
  const client = createUpstreamClient({
    baseUrl,
    deadlineMs: config.upstreamDeadlineMs,
    logger: logger.child({ component: 'upstream' }),
    observer: combineObservers(requestIdToUpstream, metrics?.upstream, tracing?.upstream),
    circuitBreaker: config.circuitBreaker,
  });
  const guards = await startOperationGuards(config).catch(async (error: unknown) => {
    await client.close();
    await simulator?.close();
    throw new StartError((error as Error).message);
  });
  const live = await startLiveUpdates(config, client, logger.child({ component: 'live-updates' }), metrics?.live);

  const gateway = createGateway({
    client,
    fallbackCredentials: config.fallbackCredentials,
    allowedHosts: config.allowedHosts,
    corsOrigins: config.corsOrigins,
    operationLimits: config.operationLimits,
    baseModelCacheMs: config.baseModelCacheMs,
    maxUploadBytes: config.maxUploadBytes,
    maxAnalyzeBytes: config.maxAnalyzeBytes,
    maxRequestBodyBytes: config.maxRequestBodyBytes,
    live: live.hub,
    readiness: () => live.problem(),
    logger,
    redactor,
    metrics,
    metricsPath: config.metrics.path,
    tracing,
    ...guards.gatewayOptions,
  });
  // Live updates, the upstream client and the embedded simulator, in that order.
  const stopBackends = async () => {
    await live.close();
    await gateway.services.preflight.pool.close();
    await guards.close();
    await client.close();
    await simulator?.close();
    await tracing?.shutdown();
  };
  let server: RunningServer;
  try {
    server = await startHttpServer(gateway, { port: config.port, host: config.host });
  } catch (error) {
    // Whatever started must stop, or the process would hang on with a simulator and pollers.
    await stopBackends();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new StartError(`PORT=${config.port}: the port is already in use on ${config.host}`);
    if (code === 'EACCES')
      throw new StartError(
        `PORT=${config.port}: not allowed to listen on this port (ports below 1024 need privileges)`,
      );
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new StartError(`HOST=${config.host}: no such interface on this machine`);
    throw error;
  }

  let closing: Promise<void> | null = null;
  return {
    url: server.url,
    gateway,
    server,
    simulator,
    close() {
      closing ??= (async () => {
        gateway.setReady(false);
        // The transports first: they end each subscription without reporting it complete (a
        // shutdown is not the end of a job), so that clients resubscribe to another instance. Live
        // updates after: their streams are gone by then; close() stops what is left and releases leases.
        await server.close();
        await stopBackends();
      })();
      return closing;
    },
  };
}
