/**
 * The environment variables (config-variables.ts), once valid, arranged as the nested settings each component
 * takes a part of (`Settings['polling']`, `Settings['rateLimit']` …). Units are converted here
 * (seconds to milliseconds where a component counts in ms), and a feature that is off is `null`.
 * The types are inferred from these functions: config.ts exports them as `Settings`.
 */
import type { SettingVariables as Env } from './config-variables.js';

/** Demo tenant of the embedded simulator. */
export const DEMO_CREDENTIALS = { token: 'demo-token', organizationId: 'demo-org' } as const;

type Upstream = { kind: 'embedded'; jobSeconds: number } | { kind: 'remote'; baseUrl: string };

function upstreamOf(e: Env): Upstream {
  return e.NSCALE_API_URL
    ? { kind: 'remote', baseUrl: e.NSCALE_API_URL.replace(/\/+$/, '') }
    : { kind: 'embedded', jobSeconds: e.SIMULATOR_JOB_SECONDS };
}

/** Credentials for callers who send none: the demo tenant (embedded) or the operator's (single-tenant). */
function fallbackCredentialsOf(e: Env, upstream: Upstream): { token: string; organizationId: string } | null {
  if (upstream.kind === 'embedded') return { ...DEMO_CREDENTIALS };
  // config.ts's rules guarantee both when single-tenant.
  if (e.GATEWAY_SINGLE_TENANT) return { token: e.NSCALE_API_TOKEN!, organizationId: e.NSCALE_ORGANIZATION_ID! };
  return null;
}

function accessOf(e: Env) {
  const upstream = upstreamOf(e);
  return {
    port: e.PORT,
    host: e.HOST ?? (upstream.kind === 'embedded' ? '127.0.0.1' : '0.0.0.0'),
    upstream,
    fallbackCredentials: fallbackCredentialsOf(e, upstream),
    /** Host names besides loopback whose requests may use `fallbackCredentials`, lower case. */
    allowedHosts: e.GATEWAY_ALLOWED_HOSTS,
    corsOrigins: e.CORS_ORIGINS,
  };
}

function limitsOf(e: Env) {
  return {
    operationLimits: {
      maxDepth: e.MAX_OPERATION_DEPTH,
      maxAliases: e.MAX_OPERATION_ALIASES,
      maxFields: e.MAX_OPERATION_FIELDS,
      maxDirectives: e.MAX_OPERATION_DIRECTIVES,
      maxTokens: e.MAX_OPERATION_TOKENS,
      maxCost: e.MAX_OPERATION_COST,
    },
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxAnalyzeBytes: e.ANALYZE_MAX_BYTES,
    maxRequestBodyBytes: e.MAX_REQUEST_BODY_BYTES,
    /** The HTTP/WebSocket server's connections (http.ts); WebSocket messages are bounded by `maxRequestBodyBytes`. */
    connections: {
      maxConnections: e.MAX_CONNECTIONS,
      /** 0: no per-address cap. */
      maxConnectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      /** 0: none. */
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      unauthenticatedSocketIdleMs: e.WS_UNAUTHENTICATED_IDLE_MS,
    },
  };
}

function upstreamCallsOf(e: Env) {
  return {
    upstreamDeadlineMs: e.UPSTREAM_DEADLINE_MS,
    baseModelCacheMs: e.BASE_MODEL_CACHE_SECONDS * 1000,
    datasetCacheMs: e.DATASET_CACHE_SECONDS * 1000,
    circuitBreaker: {
      threshold: e.UPSTREAM_BREAKER_THRESHOLD,
      windowMs: e.UPSTREAM_BREAKER_WINDOW_MS,
      coolDownMs: e.UPSTREAM_BREAKER_COOLDOWN_MS,
    },
  };
}

function liveOf(e: Env) {
  return {
    redisUrl: e.REDIS_URL ?? null,
    redisHeartbeatMs: e.REDIS_HEARTBEAT_MS,
    /** Signs the messages exchanged through Redis (config.ts requires it with `redisUrl`). */
    redisMessageSecret: e.REDIS_MESSAGE_SECRET ?? null,
    polling: {
      runningMs: e.POLL_INTERVAL_RUNNING_MS,
      queuedMs: e.POLL_INTERVAL_QUEUED_MS,
      listMs: e.POLL_INTERVAL_LIST_MS,
      maxBackoffMs: e.POLL_MAX_BACKOFF_MS,
    },
  };
}

function observabilityOf(e: Env) {
  return {
    logLevel: e.LOG_LEVEL,
    metrics: {
      enabled: e.METRICS_ENABLED,
      path: e.METRICS_PATH,
      operationNameLimit: e.METRICS_OPERATION_NAME_LIMIT,
      organizationLabel: e.METRICS_ORGANIZATION_LABEL,
    },
    /** OpenTelemetry tracing, or null when off. */
    tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? {
          tracesUrl: `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
          serviceName: e.OTEL_SERVICE_NAME,
        }
      : null,
  };
}

function guardsOf(e: Env) {
  return {
    /** Per-caller rate limit, or null when off. */
    rateLimit: e.RATE_LIMIT_ENABLED
      ? {
          points: e.RATE_LIMIT_POINTS,
          windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
          trustProxy: e.RATE_LIMIT_TRUST_PROXY,
        }
      : null,
    switches: {
      introspection: e.GRAPHQL_INTROSPECTION,
      graphiql: e.GRAPHIQL_ENABLED,
      fieldSuggestions: e.GRAPHQL_FIELD_SUGGESTIONS,
    },
    persistedOperations: {
      apq: e.APQ_ENABLED ? { maxEntries: e.APQ_MAX_ENTRIES, maxBytes: e.APQ_MAX_BYTES } : null,
      trustedDocumentsFile: e.TRUSTED_DOCUMENTS_FILE ?? null,
    },
  };
}

export function toSettings(e: Env) {
  return {
    ...accessOf(e),
    ...limitsOf(e),
    ...upstreamCallsOf(e),
    ...liveOf(e),
    ...observabilityOf(e),
    ...guardsOf(e),
  };
}
