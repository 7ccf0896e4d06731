/**
 * The composition root of the GraphQL side: one yoga instance over the schema, with the context that
 * carries the caller's credentials, the streaming upload parser, error reporting, GraphiQL served
 * with no CDN, and health checks. Transports (HTTP, WebSocket, SSE) are wired around it in http.ts.
 */
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { createTokenPool, type TokenPool } from '../preflight/token-pool.js';
import { BaseModelCatalogue } from '../resolvers/base-model-catalogue.js';
import { DatasetCatalogue } from '../resolvers/dataset-catalogue.js';
import type { GatewayContext, GatewayServices } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import type { LiveUpdates } from '../live/hub.js';
import { createSecretRedactor, type SecretRedactor } from '../secrets/secret-redactor.js';
import type { Credentials, UpstreamClient } from '../upstream/types.js';
import { corsAllowList, useVaryOrigin } from './cors-allow-list.js';
import { scrubbedError, toClientError } from './to-client-error.js';
import { useDashboard } from './use-dashboard.js';
import { GRAPHIQL_TABS } from './graphiql-examples.js';
import { useInputProblems } from './use-input-problems.js';
import { useOperationLimits, type OperationLimits } from './use-operation-limits.js';
import { redactingLogger } from './redacting-logger.js';
import { useReadiness } from './use-readiness.js';
import { useRequestLog } from './use-request-log.js';
import { DEFAULT_MAX_UPLOAD_BYTES } from './upload-limits.js';
import { useRequestBodyLimit } from './use-request-body-limit.js';
import { createShutdownDrain } from './use-shutdown-drain.js';
import { createContextFactory, type TransportContext } from './create-context-factory.js';
import { useSecretScope } from './use-secret-scope.js';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import { useMetrics } from './use-metrics.js';
import { createRequestScopes, useRequestId } from './use-request-id.js';
import { createInternalErrorLog } from './use-internal-error-log.js';
import { useStreamingUploads } from './use-streaming-uploads.js';
import { useUnsupportedMediaType } from './use-unsupported-media-type.js';
import { createSocketAdmission, type AdmitSocketOperation } from './admit-socket-operation.js';
import type { DocumentStore } from './use-automatic-persisted-queries.js';
import type { RateLimit } from './create-rate-limit.js';
import { readinessResponse } from './readiness-response.js';
import { useAutomaticPersistedQueries } from './use-automatic-persisted-queries.js';
import { useGraphQLJsExecute } from './use-graphql-js-execute.js';
import { useFieldSuggestionsSwitch } from './use-field-suggestions-switch.js';
import { useIntrospectionSwitch } from './use-introspection-switch.js';
import { useRateLimit } from './use-rate-limit.js';
import { useTrustedDocuments } from './use-trusted-documents.js';
import type { CircuitBreakerView } from '../upstream/circuit-breaker.js';

export interface GatewayOptions {
  client: UpstreamClient;
  /** Credentials for callers who send none (demo tenant, or explicit single-tenant mode); null refuses them. */
  fallbackCredentials: Credentials | null;
  /**
   * Host names (lower case, no port) besides `localhost`, `127.0.0.1` and `[::1]` whose requests may use
   * `fallbackCredentials` (GATEWAY_ALLOWED_HOSTS; credentials.ts says why). @default []
   */
  allowedHosts?: readonly string[];
  /** How long a caller's base-model catalogue is reused. @default 60_000 */
  baseModelCacheMs?: number;
  /** How long a caller's list of datasets is reused (an id it lacks is still fetched). 0 disables. @default 30_000 */
  datasetCacheMs?: number;
  /** Largest upload accepted, in bytes. @default 104_857_600 */
  maxUploadBytes?: number;
  /** Largest file `analyzeDataset` reads, in bytes. @default 209_715_200 (200 MiB) */
  maxAnalyzeBytes?: number;
  /** The pre-flight token pool; one is made (threads start on first use) when omitted. */
  tokenPool?: TokenPool;
  /** Largest body of a request that is not a multipart upload (JSON), in bytes. @default 1_048_576 */
  maxRequestBodyBytes?: number;
  live?: LiveUpdates | null;
  /** Origins (`https://app.example`) whose pages may read answers (CORS). @default [] (same origin only) */
  corsOrigins?: readonly string[];
  /** Depth, alias, token and cost limits of one operation (see use-operation-limits.ts for defaults). */
  operationLimits?: OperationLimits;
  /** Why the gateway cannot serve right now (Redis unreachable), or null; `/readyz` answers 503 with it. */
  readiness?: () => string | null;
  logger: Logger;
  now?: () => number;
  /** Where the built dashboard is served from (see use-dashboard.ts). @default dist/dashboard/ */
  dashboardDir?: string;
  /**
   * The secrets in flight, scrubbed from every log line and client error. Pass the one the rest of
   * the process logs through (start.ts) so that their lines are scrubbed too. @default a new one
   */
  redactor?: SecretRedactor;
  /** Prometheus metrics, served at `metricsPath` (src/telemetry/gateway-metrics.ts). @default none */
  metrics?: GatewayMetrics | null;
  /** @default /metrics */
  metricsPath?: string;
  /** OpenTelemetry tracing (src/telemetry/tracing.ts). @default none */
  tracing?: Tracing | null;
  /** Introspection, GraphiQL and "Did you mean …?" suggestions. @default all true */
  switches?: { introspection?: boolean; graphiql?: boolean; fieldSuggestions?: boolean };
  /** The per-caller rate limit (create-rate-limit.ts). @default none */
  rateLimit?: RateLimit | null;
  /** The automatic persisted queries' store; null turns APQ off. @default none (off) */
  apqStore?: DocumentStore | null;
  /** Trusted-documents mode: only these documents (hash → text) run, and APQ is off. @default none */
  trustedDocuments?: ReadonlyMap<string, string> | null;
  /** Reported in `/readyz`'s body (readiness-response.ts). @default the client's `circuitBreaker`, if any */
  circuitBreaker?: CircuitBreakerView | null;
}

export interface Gateway {
  yoga: YogaServerInstance<TransportContext, GatewayContext>;
  services: GatewayServices;
  /** Turns `/readyz` to 503 (while draining on shutdown). */
  setReady(ready: boolean): void;
  /** Shutdown: ends the upstream calls of queries still running with UPSTREAM_UNAVAILABLE, so that they are answered. */
  abortPendingQueries(): void;
  /** The secrets in flight; transports scrub what they send with it (graphql-ws-options.ts). */
  redactor: SecretRedactor;
  /** The gateway's metrics, when on: the transports report their connections to it. */
  metrics: GatewayMetrics | null;
  /** The gateway's logger (transports log WebSocket connections with it). */
  logger: Logger;
  /** Rate limit and trusted documents for WebSocket subscribes, which yoga's request hooks do not see. */
  admitSocketOperation: AdmitSocketOperation;
}

export function createGateway(options: GatewayOptions): Gateway {
  // One figure for the analysis and for the file parts it reads (upload-limits.ts).
  const maxAnalyzeBytes = options.maxAnalyzeBytes ?? 200 * 1024 * 1024;
  const services: GatewayServices = {
    client: options.client,
    catalogue: new BaseModelCatalogue({
      ttlMs: options.baseModelCacheMs ?? 60_000,
      ...(options.now ? { now: options.now } : {}),
      ...(options.metrics ? { onLookup: options.metrics.catalogueLookup } : {}),
    }),
    datasets: new DatasetCatalogue({
      ttlMs: options.datasetCacheMs ?? 30_000,
      ...(options.now ? { now: options.now } : {}),
    }),
    live: options.live ?? null,
    now: options.now ?? Date.now,
    preflight: { pool: options.tokenPool ?? createTokenPool(), maxBytes: maxAnalyzeBytes },
  };
  let ready = true;
  const drain = createShutdownDrain();
  const redactor = options.redactor ?? createSecretRedactor();
  // The operator's token serves every caller without credentials: held for the gateway's life.
  if (options.fallbackCredentials) redactor.hold([options.fallbackCredentials.token]);
  const log = redactingLogger(options.logger, redactor);
  const scopes = createRequestScopes(log);
  const internalErrors = createInternalErrorLog(scopes, log);
  const breaker =
    options.circuitBreaker !== undefined
      ? options.circuitBreaker
      : (options.client as { circuitBreaker?: CircuitBreakerView | null }).circuitBreaker;

  const yoga = createYoga<TransportContext, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    cors: corsAllowList(options.corsOrigins ?? []),
    multipart: false, // useStreamingUploads parses multipart requests without buffering them.
    maxRequestBodySize: false, // useRequestBodyLimit bounds other bodies, upload-limits.ts multipart ones.
    // GraphiQL's offline bundle is about 30 MB of strings once imported: loaded on the first page view.
    renderGraphiQL: async (graphiqlOptions) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions),
    graphiql:
      options.switches?.graphiql === false
        ? false
        : {
            title: 'Fine-tuning gateway',
            subscriptionsProtocol: 'WS',
            defaultTabs: GRAPHIQL_TABS,
            defaultQuery: GRAPHIQL_TABS[0]!.query,
          },
    maskedErrors: {
      isDev: false, // Never stack traces or inner errors in responses, whatever NODE_ENV says.
      // Internal errors are logged by internalErrors' plugin, with the request's logger, where it sees them.
      maskError: (error) => scrubbedError(toClientError(error, internalErrors.logUnseen), redactor),
    },
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      // yoga logs every error it sees, the client's own mistakes included; what is really internal is
      // logged once, at error level, by internalErrors (use-internal-error-log.ts). Its copies go to debug.
      error: (...args) => log.debug(args.map(String).join(' ')),
    },
    context: createContextFactory({
      services,
      fallbackCredentials: options.fallbackCredentials,
      allowedHosts: options.allowedHosts ?? [],
      redactor,
      scopes,
      drain,
    }),
    plugins: [
      useGraphQLJsExecute(),
      useRequestId(scopes),
      ...(options.tracing ? [options.tracing.plugin] : []),
      ...(options.metrics
        ? [useMetrics({ metrics: options.metrics, ...(options.metricsPath ? { path: options.metricsPath } : {}) })]
        : []),
      useRateLimit(options.rateLimit), // first: a refused request costs nothing more
      ...(options.trustedDocuments
        ? useTrustedDocuments(options.trustedDocuments)
        : options.apqStore
          ? useAutomaticPersistedQueries(options.apqStore)
          : []),
      useIntrospectionSwitch(options.switches?.introspection ?? true),
      useFieldSuggestionsSwitch(options.switches?.fieldSuggestions ?? true),
      useDashboard(options.dashboardDir ? { dir: options.dashboardDir } : {}),
      useRequestLog(scopes),
      useVaryOrigin(),
      drain.plugin,
      useOperationLimits(options.operationLimits),
      useStreamingUploads({ maxFileBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES, maxAnalyzeBytes }),
      useRequestBodyLimit(options.maxRequestBodyBytes === undefined ? {} : { maxBytes: options.maxRequestBodyBytes }),
      useUnsupportedMediaType(), // after every request parser: it answers only what none of them took
      useInputProblems(),
      internalErrors.plugin, // after every plugin that rewrites execution errors, before yoga masks them
      useReadiness({
        endpoint: '/readyz',
        respond: (fetchAPI) =>
          readinessResponse(
            ready ? (options.readiness?.() ?? null) : 'Draining: the gateway is shutting down.',
            breaker,
            fetchAPI,
          ),
      }),
      useSecretScope(redactor), // last: it releases a request's secrets after every other plugin saw its response
    ],
  });

  if (options.metrics && services.live) options.metrics.watchLiveUpdates(services.live);
  if (options.metrics && breaker) options.metrics.watchCircuitBreaker(breaker);
  return {
    yoga,
    services,
    redactor,
    metrics: options.metrics ?? null,
    logger: log,
    setReady(value) {
      ready = value;
    },
    abortPendingQueries: () => drain.abortQueries(),
    admitSocketOperation: createSocketAdmission({
      rateLimit: options.rateLimit ?? null,
      trustedDocuments: options.trustedDocuments ?? null,
    }),
  };
}
