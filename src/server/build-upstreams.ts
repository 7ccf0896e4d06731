/**
 * The upstream side of the gateway's back end, for build-backends.ts: the embedded simulators (when
 * no upstream URL is set), the upstream clients (Nscale's, and Together's when enabled), and the
 * metrics and tracing that observe their calls.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config.js';
import type { Simulator } from '../simulator/index.js';
import { createGatewayMetrics, type GatewayMetrics } from '../telemetry/gateway-metrics.js';
import { requestIdToUpstream } from '../telemetry/request-scope.js';
import type { Tracing } from '../telemetry/tracing.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../upstream/client.js';
import { combineObservers } from '../upstream/observer.js';
import { createTogetherClient } from '../upstream/together/together-client.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { GatewayDeps } from './compose-gateway.js';

export async function embeddedSimulator(settings: Settings, deps: GatewayDeps): Promise<Simulator | null> {
  if (settings.upstream.kind !== 'embedded' || !settings.providers.includes('nscale')) return null;
  // Imported only when embedded: a gateway in front of a real upstream never loads the simulator.
  const { startSimulator } = await import('../simulator/index.js');
  return startSimulator({
    port: 0,
    host: '127.0.0.1',
    jobSeconds: settings.upstream.jobSeconds,
    maxUploadBytes: settings.maxUploadBytes,
    ...deps.simulator,
  });
}

/** Together's client, and its embedded simulator when no URL is set; null when Together is not enabled. */
export async function togetherBackend(
  settings: Settings,
  deps: GatewayDeps,
  logger: Logger,
  [metrics, tracing]: [GatewayMetrics | null, Tracing | null],
): Promise<{ client: TogetherClient; simulator: Simulator | null; close(): Promise<void> } | null> {
  const together = settings.together;
  if (!together || !settings.providers.includes('together')) return null;
  let simulator: Simulator | null = null;
  // The embedded simulator's upload limit, which the client checks a CSV's JSONL against as it converts
  // it (a remote Together's is its own, which the client knows).
  let maxUploadBytes: number | undefined;
  if (together.upstream.kind === 'embedded') {
    // Imported only when embedded, like Nscale's.
    const { startTogetherSimulator } = await import('../simulator/together/index.js');
    maxUploadBytes = deps.togetherSimulator?.maxUploadBytes ?? settings.maxUploadBytes;
    simulator = await startTogetherSimulator({
      port: 0,
      host: '127.0.0.1',
      jobSeconds: together.upstream.jobSeconds,
      ...deps.togetherSimulator,
      maxUploadBytes,
    });
  }
  const options = {
    baseUrl: simulator ? simulator.apiBaseUrl : (together.upstream as { baseUrl: string }).baseUrl,
    deadlineMs: settings.upstreamDeadlineMs,
    connections: settings.upstreamConnections,
    callerConnections: settings.upstreamCallerConnections,
    logger: logger.child({ component: 'upstream', provider: 'together' }),
    observer: combineObservers(requestIdToUpstream, metrics?.upstream, tracing?.upstream),
    circuitBreaker: settings.circuitBreaker,
    ...(maxUploadBytes === undefined ? {} : { maxUploadBytes }),
  };
  const client = (deps.togetherClient ?? createTogetherClient)(options);
  return {
    client,
    simulator,
    close: async () => {
      await client.close();
      await simulator?.close();
    },
  };
}

export async function observability(settings: Settings, deps: GatewayDeps) {
  const given = deps.prebuilt ?? {};
  const metrics =
    given.metrics !== undefined
      ? given.metrics
      : settings.metrics.enabled
        ? createGatewayMetrics({
            operationNameLimit: settings.metrics.operationNameLimit,
            organizationLabel: settings.metrics.organizationLabel,
            baseModelCache: settings.baseModelCacheMs > 0,
            responseCache: settings.responseCache !== null,
          })
        : null;
  // Loaded only when configured: without it the OpenTelemetry SDK is never imported.
  const tracing =
    given.tracing !== undefined
      ? given.tracing
      : settings.tracing
        ? await (
            await import('../telemetry/tracing.js')
          ).createTracing({ endpoint: settings.tracing.tracesUrl, serviceName: settings.tracing.serviceName })
        : null;
  return { metrics, tracing };
}

export function upstreamClient(
  settings: Settings,
  deps: GatewayDeps,
  logger: Logger,
  simulator: Simulator | null,
  [metrics, tracing]: [GatewayMetrics | null, Tracing | null],
): ClosableUpstreamClient {
  const options = {
    baseUrl: simulator ? simulator.apiBaseUrl : (settings.upstream as { baseUrl: string }).baseUrl,
    deadlineMs: settings.upstreamDeadlineMs,
    connections: settings.upstreamConnections,
    callerConnections: settings.upstreamCallerConnections,
    logger: logger.child({ component: 'upstream' }),
    observer: combineObservers(requestIdToUpstream, metrics?.upstream, tracing?.upstream),
    circuitBreaker: settings.circuitBreaker,
  };
  return (deps.upstreamClient ?? createUpstreamClient)(options);
}
