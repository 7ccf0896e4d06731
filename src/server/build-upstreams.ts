/**
 * The upstream side of the gateway's back end, for build-backends.ts: the embedded simulators (when
 * no upstream URL is set), the upstream clients (each enabled provider's: with `TOGETHER_API_URL`
 * alone Nscale is not enabled: no client of it is built, a stand-in refuses every call), and the
 * metrics and tracing that observe their calls.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config.js';
import { gatewayError } from '../errors/gateway-error.js';
import type { Simulator } from '../simulator/index.js';
import { createGatewayMetrics, type GatewayMetrics } from '../telemetry/gateway-metrics.js';
import { requestIdToUpstream } from '../telemetry/request-scope.js';
import type { Tracing } from '../telemetry/tracing.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../upstream/client.js';
import { combineObservers } from '../upstream/observer.js';
import { createTogetherClient } from '../upstream/together/together-client.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { GatewayDeps } from './compose-gateway.js';
import { StartError } from './start-error.js';

/** Whether Nscale is among the enabled providers (not with `TOGETHER_API_URL` set alone). */
export const nscaleEnabled = (settings: Pick<Settings, 'providers'>): boolean => settings.providers.includes('nscale');

/**
 * Refuses, at start, settings the gateway could not serve: no provider at all, or an enabled provider
 * without an upstream. The settings from the environment are always whole (config.ts); this catches
 * settings put together by hand, with a message naming the variables rather than a TypeError.
 */
export function checkProviders(settings: Pick<Settings, 'providers' | 'together'>): void {
  if (settings.providers.length === 0)
    throw new StartError(
      'no provider is enabled: set NSCALE_API_URL and/or TOGETHER_API_URL, or neither for the embedded simulators',
    );
  if (settings.providers.includes('together') && !settings.together)
    throw new StartError('the together provider is enabled without an upstream: set TOGETHER_API_URL');
}

export async function embeddedSimulator(settings: Settings, deps: GatewayDeps): Promise<Simulator | null> {
  if (settings.upstream.kind !== 'embedded' || !nscaleEnabled(settings)) return null;
  // Imported only when embedded: a gateway in front of a real upstream never loads the simulator.
  const { startSimulator } = await import('../simulator/index.js');
  return startSimulator({
    port: 0,
    host: '127.0.0.1',
    jobSeconds: settings.upstream.jobSeconds,
    failureRate: settings.upstream.failureRate,
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
  let baseUrl = together.upstream.kind === 'remote' ? together.upstream.baseUrl : '';
  if (together.upstream.kind === 'embedded') {
    // Imported only when embedded, like Nscale's.
    const { startTogetherSimulator } = await import('../simulator/together/index.js');
    maxUploadBytes = deps.togetherSimulator?.maxUploadBytes ?? settings.maxUploadBytes;
    simulator = await startTogetherSimulator({
      port: 0,
      host: '127.0.0.1',
      jobSeconds: together.upstream.jobSeconds,
      failureRate: together.upstream.failureRate,
      ...deps.togetherSimulator,
      maxUploadBytes,
    });
    baseUrl = simulator.apiBaseUrl;
  }
  const options = {
    baseUrl,
    deadlineMs: settings.upstreamDeadlineMs,
    connections: settings.upstreamConnections,
    callerConnections: settings.upstreamCallerConnections,
    logger: logger.child({ component: 'upstream', provider: 'together' }),
    observer: combineObservers(requestIdToUpstream, metrics?.upstream, tracing?.upstream),
    circuitBreaker: settings.circuitBreaker,
    ...(maxUploadBytes === undefined ? {} : { maxUploadBytes }),
  };
  let client: TogetherClient;
  try {
    client = (deps.togetherClient ?? createTogetherClient)(options);
  } catch (error) {
    await simulator?.close(); // or the process would hang on with it after a failed start
    throw error;
  }
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

/**
 * Nscale's client; when Nscale is not enabled, one that calls nothing and refuses every call (no
 * request reaches it: credentials.ts refuses a request naming a provider that is not enabled, and
 * what runs on Nscale only asks for Nscale credentials first).
 */
export function upstreamClient(
  settings: Settings,
  deps: GatewayDeps,
  logger: Logger,
  simulator: Simulator | null,
  [metrics, tracing]: [GatewayMetrics | null, Tracing | null],
): ClosableUpstreamClient {
  if (!nscaleEnabled(settings)) return nscaleNotEnabled(settings.providers);
  const baseUrl = simulator?.apiBaseUrl ?? (settings.upstream.kind === 'remote' ? settings.upstream.baseUrl : null);
  if (!baseUrl)
    throw new StartError('the nscale provider is enabled without an upstream: set NSCALE_API_URL (or no URL at all)');
  const options = {
    baseUrl,
    deadlineMs: settings.upstreamDeadlineMs,
    connections: settings.upstreamConnections,
    callerConnections: settings.upstreamCallerConnections,
    logger: logger.child({ component: 'upstream', provider: 'nscale' }),
    observer: combineObservers(requestIdToUpstream, metrics?.upstream, tracing?.upstream),
    circuitBreaker: settings.circuitBreaker,
  };
  return (deps.upstreamClient ?? createUpstreamClient)(options);
}

/** The Nscale client of a gateway that does not serve Nscale: every call refused, naming what it serves. */
function nscaleNotEnabled(providers: Settings['providers']): ClosableUpstreamClient {
  const refuse = (): Promise<never> =>
    Promise.reject(
      gatewayError(
        'BAD_USER_INPUT',
        `provider "nscale" is not a provider this gateway serves: ${providers.join(', ')} ` +
          '(it is enabled by NSCALE_API_URL, or by setting no upstream URL at all)',
        { field: 'provider' },
      ),
    );
  return {
    listBaseModels: refuse,
    uploadFile: refuse,
    getFile: refuse,
    createDataset: refuse,
    listDatasets: refuse,
    getDataset: refuse,
    deleteDataset: refuse,
    createJob: refuse,
    estimateJob: refuse,
    listJobs: refuse,
    getJob: refuse,
    cancelJob: refuse,
    getMetrics: refuse,
    getDownloadUrl: refuse,
    exportToHuggingFace: refuse,
    close: async () => {},
    circuitBreaker: null,
  };
}
