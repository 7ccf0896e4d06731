/**
 * The environment variables (config-variables.ts), once valid, arranged as the nested settings each component
 * takes a part of (`Settings['polling']`, `Settings['rateLimit']` …). Units are converted here
 * (seconds to milliseconds where a component counts in ms), and a feature that is off is `null`.
 * The types are inferred from these functions: config.ts exports them as `Settings`.
 */
import type { SettingVariables as Env } from './config-variables.js';
import { PROVIDER_NAMES, type ProviderName } from './providers/provider-name.js';

/** Demo tenant of the embedded simulator. */
export const DEMO_CREDENTIALS = { token: 'demo-token', organizationId: 'demo-org' } as const;

type Upstream = { kind: 'embedded'; jobSeconds: number; failureRate: number } | { kind: 'remote'; baseUrl: string };

function upstreamOf(e: Env): Upstream {
  return e.NSCALE_API_URL
    ? { kind: 'remote', baseUrl: e.NSCALE_API_URL.replace(/\/+$/, '') }
    : { kind: 'embedded', jobSeconds: e.SIMULATOR_JOB_SECONDS, failureRate: e.SIMULATOR_FAILURE_RATE };
}

/**
 * Nscale's credentials for callers who send none: the demo tenant (embedded) or the operator's
 * (single-tenant); none when Nscale is not enabled (`TOGETHER_API_URL` set alone).
 */
function fallbackCredentialsOf(
  e: Env,
  upstream: Upstream,
  providers: readonly ProviderName[],
): { token: string; organizationId: string } | null {
  if (!providers.includes('nscale')) return null;
  if (upstream.kind === 'embedded') return { ...DEMO_CREDENTIALS };
  // config.ts's rules guarantee both when single-tenant.
  if (e.GATEWAY_SINGLE_TENANT && e.NSCALE_API_URL)
    return { token: e.NSCALE_API_TOKEN!, organizationId: e.NSCALE_ORGANIZATION_ID! };
  return null;
}

/** Demo account of the embedded Together simulator (its default tenant). */
export const TOGETHER_DEMO_KEY = 'demo-token';

/** The Together provider's settings: where it is, and the key of callers who send none (or null). */
export interface TogetherSetting {
  upstream: Upstream;
  /** The embedded simulator's demo key, or the operator's `TOGETHER_API_KEY` in single-tenant mode. */
  fallbackToken: string | null;
}

/** Together, when enabled: with no URL set at all, on its embedded simulator beside Nscale's. */
function togetherOf(e: Env): TogetherSetting | null {
  if (!e.NSCALE_API_URL && !e.TOGETHER_API_URL)
    return {
      upstream: { kind: 'embedded', jobSeconds: e.SIMULATOR_JOB_SECONDS, failureRate: e.SIMULATOR_FAILURE_RATE },
      fallbackToken: TOGETHER_DEMO_KEY,
    };
  if (!e.TOGETHER_API_URL) return null;
  // config.ts's rules guarantee the key when single-tenant.
  const fallbackToken = e.GATEWAY_SINGLE_TENANT ? e.TOGETHER_API_KEY! : null;
  return { upstream: { kind: 'remote', baseUrl: e.TOGETHER_API_URL.replace(/\/+$/, '') }, fallbackToken };
}

/**
 * The enabled providers, in preference order (a request that names none goes to the first): with no
 * URL set, both, on their embedded simulators; otherwise those whose URL is set (a gateway configured
 * for Nscale alone stays Nscale alone).
 */
function providersOf(e: Env): ProviderName[] {
  const embedded = !e.NSCALE_API_URL && !e.TOGETHER_API_URL;
  return PROVIDER_NAMES.filter((name) => embedded || (name === 'nscale' ? e.NSCALE_API_URL : e.TOGETHER_API_URL));
}

function accessOf(e: Env) {
  const upstream = upstreamOf(e);
  const together = togetherOf(e);
  const providers = providersOf(e);
  const embedded =
    (providers.includes('nscale') && upstream.kind === 'embedded') || together?.upstream.kind === 'embedded';
  return {
    port: e.PORT,
    host: e.HOST ?? (embedded ? '127.0.0.1' : '0.0.0.0'),
    /** Enabled providers, in preference order (see `providersOf`). */
    providers,
    /** Nscale's upstream, read only when `providers` includes `nscale` (not with `TOGETHER_API_URL` set alone). */
    upstream,
    /** Nscale's credentials for callers who send none. */
    fallbackCredentials: fallbackCredentialsOf(e, upstream, providers),
    together,
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
    analyzeDuplicateRows: e.ANALYZE_DUPLICATE_ROWS,
    analyzeWorkerHeapMb: e.ANALYZE_WORKER_HEAP_MB,
    /** Each caller's share of the analysis pool (src/preflight/analysis-admission.ts). */
    analyzeAdmission: { perCaller: e.ANALYZE_MAX_PER_CALLER, maxWaitMs: e.ANALYZE_QUEUE_WAIT_SECONDS * 1000 },
    maxRequestBodyBytes: e.MAX_REQUEST_BODY_BYTES,
    /** Slowest an upload body may arrive, measured over each window. */
    uploadPace: { minBytesPerSecond: e.UPLOAD_MIN_BYTES_PER_SECOND, windowMs: e.UPLOAD_RATE_WINDOW_SECONDS * 1000 },
    maxOperationsPerCaller: e.CALLER_MAX_OPERATIONS,
    maxSubscriptionsPerCaller: e.CALLER_MAX_SUBSCRIPTIONS,
    /** The HTTP/WebSocket server's connections (http.ts); WebSocket messages are bounded by `maxRequestBodyBytes`. */
    connections: {
      maxConnections: e.MAX_CONNECTIONS,
      /** 0: no per-address cap. */
      maxConnectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      /** 0: none. */
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      /** A body that is not a multipart upload: body-deadline.ts. */
      bodyTimeoutMs: e.HTTP_BODY_TIMEOUT_MS,
      unauthenticatedSocketIdleMs: e.WS_UNAUTHENTICATED_IDLE_MS,
      // Keep-alive pings to every WebSocket (ws/keep-alive-pings.ts); 0: none. Optional in the type only, so
      // that limits written out by hand for the connection caps alone (a spec's) need not name it: absent, none.
      ...({ wsPingIntervalMs: e.WS_PING_INTERVAL_MS } as { wsPingIntervalMs?: number }),
    },
  };
}

function upstreamCallsOf(e: Env) {
  return {
    upstreamDeadlineMs: e.UPSTREAM_DEADLINE_MS,
    upstreamConnections: e.UPSTREAM_CONNECTIONS,
    upstreamCallerConnections: e.UPSTREAM_CALLER_CONNECTIONS,
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
    /** Also accepted on messages from other instances, never signed with (a rotation under way). */
    redisMessageSecretAccepted: e.REDIS_MESSAGE_SECRET_ACCEPTED ?? null,
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
    logWrites: e.LOG_WRITES,
    metrics: {
      enabled: e.METRICS_ENABLED,
      path: e.METRICS_PATH,
      operationNameLimit: e.METRICS_OPERATION_NAME_LIMIT,
      organizationLabel: e.METRICS_ORGANIZATION_LABEL,
    },
    /** Where the metrics are served when they are on: a listener of their own, never the public port. */
    metricsListener: { port: e.METRICS_PORT, host: e.METRICS_HOST },
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
    /** How the rate limit (when on) treats tokens the upstream has not accepted yet, and its memory bound. */
    rateLimitCallers: { authFailures: e.RATE_LIMIT_AUTH_FAILURES, maxKeys: e.RATE_LIMIT_MAX_KEYS },
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

function responseCacheOf(e: Env) {
  return {
    /** The response cache, or null when off; `redis` only with `redisUrl` (config.ts checks). */
    responseCache: e.RESPONSE_CACHE_ENABLED
      ? {
          store: e.RESPONSE_CACHE_STORE ?? (e.REDIS_URL ? 'redis' : 'memory'),
          maxEntries: e.RESPONSE_CACHE_MAX_ENTRIES,
          maxBytes: e.RESPONSE_CACHE_MAX_BYTES,
        }
      : null,
  };
}

function webhooksOf(e: Env) {
  return {
    /** Durable state: PostgreSQL at `url`, or the embedded PGlite in `dataDir`. */
    database: { url: e.DATABASE_URL ?? null, dataDir: e.DATA_DIR },
    /** The gateway's download links (Together's `downloadUrl`): how long each lives, in ms. */
    downloads: { linkTtlMs: e.DOWNLOAD_LINK_TTL_SECONDS * 1000, baseUrl: e.DOWNLOAD_LINK_BASE_URL ?? null },
    /** Webhook endpoints and deliveries, or null when off. */
    webhooks: e.WEBHOOKS_ENABLED
      ? {
          encryptionKey: e.WEBHOOK_ENCRYPTION_KEY ?? null,
          allowedHosts: e.WEBHOOK_ALLOWED_HOSTS,
          allowedPorts: e.WEBHOOK_ALLOWED_PORTS,
          retryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE,
          attemptTimeoutMs: e.WEBHOOK_ATTEMPT_TIMEOUT_MS,
          maxResponseBytes: e.WEBHOOK_MAX_RESPONSE_BYTES,
          secretGraceMs: e.WEBHOOK_SECRET_GRACE_MS,
          maxEndpoints: e.WEBHOOK_MAX_ENDPOINTS,
          scanMs: e.WEBHOOK_SCAN_MS,
          endpointRescanMs: e.WEBHOOK_ENDPOINT_RESCAN_MS,
          deliveryRetentionMs: e.WEBHOOK_DELIVERY_RETENTION_MS,
        }
      : null,
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
    ...responseCacheOf(e),
    ...webhooksOf(e),
  };
}
