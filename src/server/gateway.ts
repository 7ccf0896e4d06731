/**
 * The GraphQL side: one yoga instance over the schema, with the context that carries the caller's
 * credentials, the plugins (gateway-plugins.ts), error reporting, GraphiQL served with no CDN, and
 * health checks. It takes services already built (compose-gateway.ts builds them from the settings)
 * and owns nothing that needs closing. Transports (HTTP, WebSocket, SSE) are wired around it in http.ts.
 */
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Settings } from '../config.js';
import type { GatewayContext, GatewayServices } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { ProviderBreakers } from './readiness-response.js';
import { createSocketAdmission, type AdmitSocketOperation } from './admit-socket-operation.js';
import { corsAllowList } from './cors-allow-list.js';
import { createContextFactory, type TransportContext } from './create-context-factory.js';
import { createDocumentCache, type DocumentCache } from './document-cache.js';
import { cacheIdentifier, gatewayPlugins, type OperationGuardParts } from './gateway-plugins.js';
import { createFastHits, type FastHits, type FastHitsOptions } from './response-cache/fast-hits.js';
import { operationsPerCaller } from './use-operations-per-caller.js';
import { subscriptionsPerCaller, type SubscriptionsPerCaller } from './subscriptions-per-caller.js';
import { scrubbedError, toClientError } from './to-client-error.js';
import { createInternalErrorLog } from './use-internal-error-log.js';
import type { BuiltResponseCache } from './response-cache/build-response-cache.js';
import { createRequestScopes } from './use-request-id.js';
import { createShutdownDrain } from './use-shutdown-drain.js';

/** The settings the GraphQL side reads (src/config.ts, with their defaults there). */
export type GatewaySettings = Pick<
  Settings,
  | 'fallbackCredentials'
  | 'together'
  | 'allowedHosts'
  | 'corsOrigins'
  | 'operationLimits'
  | 'maxUploadBytes'
  | 'maxAnalyzeBytes'
  | 'maxRequestBodyBytes'
  | 'uploadPace'
  | 'maxOperationsPerCaller'
  | 'maxSubscriptionsPerCaller'
  | 'rateLimit'
  | 'switches'
>;

/**
 * What the gateway is made of, built by the composition root (compose-gateway.ts) from the settings:
 * the gateway assembles them into yoga and makes nothing that needs closing.
 */
export interface GatewayParts {
  settings: GatewaySettings;
  /** What resolvers reach through the context: the upstream client, caches, live updates, the clock, the token pool. */
  services: GatewayServices;
  /** Already scrubbing with `redactor` (redacting-logger.ts). */
  logger: Logger;
  /** The secrets in flight, scrubbed from every log line and client error; the rest of the process logs through it too. */
  redactor: SecretRedactor;
  /** Prometheus metrics (served by the composition root on their own listener, metrics-server.ts); null when off. */
  metrics: GatewayMetrics | null;
  /** OpenTelemetry tracing; null when off. */
  tracing: Tracing | null;
  /** The per-caller rate limit, the APQ store and the trusted documents (operation-guards.ts). */
  guards: OperationGuardParts;
  /**
   * Why the gateway cannot serve right now, or null: `/readyz` answers 503 with it, or 200 with it as
   * `degraded` when it is only degraded (Redis unreachable: queries and mutations are served; readiness-response.ts).
   */
  readiness: () => string | null;
  /** Each enabled provider's circuit breaker (none where it is off): in `/readyz`'s body (readiness-response.ts) and the metrics. */
  circuitBreakers: ProviderBreakers;
  /** The response cache and its times-to-live (response-cache/); null or absent when off. */
  responseCache?: Pick<BuiltResponseCache, 'cache' | 'policy'> | null;
  /** Where the built dashboard is served from (see use-dashboard.ts). @default dist/dashboard/ */
  dashboardDir?: string | undefined;
}

export interface Gateway {
  yoga: YogaServerInstance<TransportContext, GatewayContext>;
  services: GatewayServices;
  /** Turns `/readyz` to 503 (while draining on shutdown). */
  setReady(ready: boolean): void;
  /** Shutdown: ends the upstream calls of queries still running with UPSTREAM_UNAVAILABLE, so that they are answered. */
  abortPendingQueries(): void;
  /** Shutdown, last: ends the mutations still running with UPSTREAM_OUTCOME_UNKNOWN, so that they are answered. */
  abortPendingMutations(): void;
  /** The secrets in flight; transports scrub what they send with it (graphql-ws-options.ts). */
  redactor: SecretRedactor;
  /** The gateway's metrics, when on: the transports report their connections to it. */
  metrics: GatewayMetrics | null;
  /** The gateway's logger (transports log WebSocket connections with it). */
  logger: Logger;
  /** Rate limit and trusted documents for WebSocket subscribes, which yoga's request hooks do not see. */
  admitSocketOperation: AdmitSocketOperation;
  /** Each caller's subscriptions open at once (CALLER_MAX_SUBSCRIPTIONS); WebSocket operations take theirs when admitted. */
  subscriptions: SubscriptionsPerCaller;
  /** Cache hits answered before yoga (response-cache/fast-hits.ts); null when the cache is off. */
  fastHits: FastHits | null;
  /** The parsed and validated documents kept between requests (document-cache.ts), bounded in bytes. */
  documents: DocumentCache;
}

export function createGateway(parts: GatewayParts): Gateway {
  const { settings, services, redactor } = parts;
  let ready = true;
  const drain = createShutdownDrain();
  // The operator's token serves every caller without credentials: held for the gateway's life.
  if (settings.fallbackCredentials) redactor.hold([settings.fallbackCredentials.token]);
  if (settings.together?.fallbackToken) redactor.hold([settings.together.fallbackToken]);
  const log = parts.logger; // already scrubbed by `redactor` (compose-gateway.ts)
  const scopes = createRequestScopes(log, parts.tracing?.traceIdOf);
  const internalErrors = createInternalErrorLog(scopes, log);
  const operations = operationsPerCaller({
    max: settings.maxOperationsPerCaller,
    trustProxy: settings.rateLimit?.trustProxy ?? false,
  });
  const subscriptions = subscriptionsPerCaller({
    max: settings.maxSubscriptionsPerCaller,
    trustProxy: settings.rateLimit?.trustProxy ?? false,
  });
  const identify = parts.responseCache ? cacheIdentifier(parts) : null;
  const documents = createDocumentCache();

  const yoga = createYoga<TransportContext, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    cors: corsAllowList(settings.corsOrigins),
    multipart: false, // useStreamingUploads parses multipart requests without buffering them.
    maxRequestBodySize: false, // useRequestBodyLimit bounds other bodies, upload-limits.ts multipart ones.
    graphiql: false, // served by useGraphiQLPage (gateway-plugins.ts): rendered once, cached, not framable
    parserAndValidationCache: false, // `documents` instead: yoga's kept invalid documents, bounded by count only
    maskedErrors: {
      isDev: false, // Never stack traces or inner errors in responses, whatever NODE_ENV says.
      // Internal errors are logged by internalErrors' plugin, with the request's logger, where it sees them.
      maskError: (error) => scrubbedError(toClientError(error, internalErrors.logUnseen), redactor),
    },
    logging: yogaLogging(log),
    context: createContextFactory({
      services,
      fallbackCredentials: settings.fallbackCredentials,
      togetherFallbackToken: settings.together?.fallbackToken ?? null,
      allowedHosts: settings.allowedHosts,
      redactor,
      scopes,
      drain,
    }),
    plugins: [
      ...gatewayPlugins(parts, {
        scopes,
        drain,
        operations,
        subscriptions,
        identify,
        internalErrors: internalErrors.plugin,
        problem: () => (ready ? parts.readiness() : 'Draining: the gateway is shutting down.'),
      }),
      // Last: it wraps the parser every other plugin chose, and keeps what passed every rule they added.
      documents.plugin,
    ],
  });

  watchWithMetrics(parts);
  return {
    yoga,
    services,
    redactor,
    metrics: parts.metrics,
    logger: log,
    setReady(value) {
      ready = value;
    },
    abortPendingQueries: () => drain.abortQueries(),
    abortPendingMutations: () => drain.abortMutations(),
    admitSocketOperation: createSocketAdmission({
      rateLimit: parts.guards.rateLimit,
      trustedDocuments: parts.guards.trustedDocuments,
    }),
    subscriptions,
    documents,
    fastHits: identify
      ? fastHitsOf(parts, { operations, identify, endpoint: yoga.graphqlEndpoint, logger: log })
      : null,
  };
}

/** What the metrics follow, when they are on: the live updates and each provider's circuit breaker. */
function watchWithMetrics({ metrics, services, circuitBreakers }: GatewayParts): void {
  if (!metrics) return;
  if (services.live) metrics.watchLiveUpdates(services.live);
  for (const provider of services.providers.values()) if (provider.live) metrics.watchLiveUpdates(provider.live);
  for (const { provider, breaker } of circuitBreakers) metrics.watchCircuitBreaker(breaker, provider);
}

/**
 * The cache's hits answered before yoga, unless something yoga must do for every request is on:
 * tracing (each request's span) or trusted documents (only listed documents run).
 */
function fastHitsOf(
  parts: GatewayParts,
  wiring: Pick<FastHitsOptions, 'operations' | 'identify' | 'endpoint' | 'logger'>,
): FastHits | null {
  if (!parts.responseCache || parts.tracing || parts.guards.trustedDocuments) return null;
  return createFastHits({
    ...wiring,
    cache: parts.responseCache.cache,
    now: parts.services.now,
    maxBodyBytes: parts.settings.maxRequestBodyBytes,
    corsOrigins: parts.settings.corsOrigins,
    rateLimit: parts.guards.rateLimit,
    redactor: parts.redactor,
    metrics: parts.metrics,
  });
}

function yogaLogging(log: Logger) {
  const line = (args: unknown[]) => args.map(loggable).join(' ');
  return {
    debug: (...args: unknown[]) => log.debug(line(args)),
    info: (...args: unknown[]) => log.info(line(args)),
    warn: (...args: unknown[]) => log.warn(line(args)),
    // yoga logs every error it sees, the client's own mistakes included; what is really internal is
    // logged once, at error level, by internalErrors (use-internal-error-log.ts). Its copies go to debug.
    error: (...args: unknown[]) => log.debug(line(args)),
  };
}

/**
 * What yoga logs, as text. A GraphQL error as its message, where in the document and the path, never
 * as `String(error)`: graphql-js adds an excerpt of the document, whose lines it wraps every 80
 * characters, so a token written in the document (a Hugging Face token inline) came out in two pieces
 * that no scrubber of whole secrets matches (operator trial).
 */
function loggable(arg: unknown): string {
  if (!(arg instanceof Error) || !('locations' in arg) || !('path' in arg)) return String(arg);
  const { locations, path } = arg as { locations?: ReadonlyArray<{ line: number; column: number }>; path?: unknown };
  const at = locations?.length ? ` (at ${locations.map((l) => `${l.line}:${l.column}`).join(', ')})` : '';
  const where = Array.isArray(path) ? ` path ${path.join('.')}` : '';
  return `${arg.name}: ${arg.message}${at}${where}`;
}
