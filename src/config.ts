/**
 * The gateway's configuration: one object, read once from the environment and validated. A bad value
 * stops start-up with a message naming the variable; every setting is documented here with its
 * default (the README's table mirrors this file).
 */
import { z } from 'zod';

import { bool, hostName, integer, list, nonNegativeInt, origin, port, positiveInt } from './env-values.js';

/** The default of MAX_UPLOAD_BYTES, and of the gateway's `maxUploadBytes` when it is given none: 100 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
/** The default of MAX_REQUEST_BODY_BYTES, and of the gateway's `maxRequestBodyBytes`: 1 MiB. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 1024 * 1024;

const envSchema = z.object({
  /** Port of the gateway's HTTP and WebSocket server. @default 4000 */
  PORT: port.default(4000),
  /**
   * Interface to listen on. @default 127.0.0.1 on the embedded simulator (its demo tenant is for this
   * machine only), 0.0.0.0 with NSCALE_API_URL
   */
  HOST: z.string().min(1).optional(),
  /**
   * Host names (comma-separated, no port: `gateway.example.com,10.0.0.5`) besides loopback
   * (`localhost`, `127.0.0.1`, `[::1]`) whose requests may use the default credentials (demo tenant or
   * single-tenant operator). A request to any other `Host` must bring its own: a page whose name was
   * re-bound to this gateway's address (DNS rebinding) sends its own name as `Host`. Behind a
   * proxy, list the name clients use (a forwarded `X-Forwarded-Host` must be allowed too). @default none
   */
  GATEWAY_ALLOWED_HOSTS: list('a host name (such as gateway.example.com, without a port)', hostName).default([]),
  /**
   * Origins (comma-separated: `https://app.example,http://localhost:5173`) whose pages may read the
   * gateway's answers (CORS, with credentials). @default none: same origin only
   */
  CORS_ORIGINS: list('an origin (such as https://app.example, without a path)', origin).default([]),
  /**
   * Base URL of the upstream fine-tuning API, up to `/api/v1` (paths continue with
   * `/organizations/{org}/…`). Unset: the gateway starts the embedded simulator and serves the demo tenant.
   */
  NSCALE_API_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as http://127.0.0.1:4010/api/v1' })
    .refine(
      (value) => {
        // zod runs this refinement even when the value failed `url()` above: that failure is the message.
        if (!URL.canParse(value)) return true;
        const url = new URL(value);
        return !url.username && !url.password && !url.search && !url.hash;
      },
      { message: 'must be a plain base URL: no credentials (tokens come from each request), query or fragment' },
    )
    .optional(),
  /** Operator credentials, used for callers without credentials only with GATEWAY_SINGLE_TENANT=true. */
  NSCALE_API_TOKEN: z.string().min(1).optional(),
  NSCALE_ORGANIZATION_ID: z.string().min(1).optional(),
  /**
   * Serve callers that send no credentials with NSCALE_API_TOKEN / NSCALE_ORGANIZATION_ID. They would
   * spend the operator's credit, so it must be turned on explicitly. @default false
   */
  GATEWAY_SINGLE_TENANT: bool.default(false),
  /** Pace of the embedded simulator: seconds from a job's creation to its completion. @default 30 */
  SIMULATOR_JOB_SECONDS: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, { message: 'must be a number of seconds greater than 0' })
    .transform(Number)
    .pipe(z.number().positive({ message: 'must be a number of seconds greater than 0' }))
    .default(30),
  /** Timeout of one upstream call including its retries, in milliseconds. @default 15000 */
  UPSTREAM_DEADLINE_MS: positiveInt.default(15_000),
  /** Seconds a caller's base-model catalogue is reused before it is asked again. 0 disables. @default 60 */
  BASE_MODEL_CACHE_SECONDS: nonNegativeInt.default(60),
  /** Largest CSV upload accepted, in bytes; the upload is streamed, never held whole. @default 104857600 (100 MiB) */
  MAX_UPLOAD_BYTES: positiveInt.default(DEFAULT_MAX_UPLOAD_BYTES),
  /**
   * Largest CSV file `analyzeDataset` reads, in bytes; separate from MAX_UPLOAD_BYTES, as an analysis
   * streams the file through the tokenizer and keeps only a few bytes per row. @default 209715200 (200 MiB)
   */
  ANALYZE_MAX_BYTES: positiveInt.default(200 * 1024 * 1024),
  /**
   * Largest body of a request that is not a multipart upload (a JSON query document and its
   * variables), in bytes; larger ones get HTTP 413 with BAD_USER_INPUT, chunked or not. @default 1048576 (1 MiB)
   */
  MAX_REQUEST_BODY_BYTES: positiveInt.default(DEFAULT_MAX_REQUEST_BODY_BYTES),
  /** Redis for multi-instance subscriptions (pub/sub and poll leases). Unset: in-process only. */
  REDIS_URL: z.url({ protocol: /^rediss?$/, message: 'must be a redis:// or rediss:// URL' }).optional(),
  /**
   * With REDIS_URL: lifetime of each instance's heartbeat in Redis, in milliseconds. An instance that
   * dies holding poll leases is replaced within 7/6 of this (plus a Redis round trip). @default 1500
   */
  REDIS_HEARTBEAT_MS: integer(30, Number.MAX_SAFE_INTEGER, 'a whole number of milliseconds, 30 or more').default(1_500),
  /** Subscription poll interval while a job runs, in milliseconds. @default 2000 */
  POLL_INTERVAL_RUNNING_MS: positiveInt.default(2000),
  /** Subscription poll interval while a job is queued or starting, in milliseconds. @default 5000 */
  POLL_INTERVAL_QUEUED_MS: positiveInt.default(5000),
  /** Poll interval of the organization's job list for `jobsUpdated`, in milliseconds. @default 5000 */
  POLL_INTERVAL_LIST_MS: positiveInt.default(5000),
  /** Longest wait between polls while the upstream fails, in milliseconds. @default 30000 */
  POLL_MAX_BACKOFF_MS: positiveInt.default(30_000),
  /** Deepest selection nesting of one operation. @default 12 */
  MAX_OPERATION_DEPTH: positiveInt.default(12),
  /** Most aliases in one operation, `__typename`'s included. @default 30 */
  MAX_OPERATION_ALIASES: positiveInt.default(30),
  /** Most field selections in one operation (repeats, `__typename` and each fragment spread count). @default 300 */
  MAX_OPERATION_FIELDS: positiveInt.default(300),
  /** Most directives in one operation. @default 30 */
  MAX_OPERATION_DIRECTIVES: positiveInt.default(30),
  /** Most lexical tokens in one GraphQL document. @default 3000 */
  MAX_OPERATION_TOKENS: positiveInt.default(3000),
  /** Cost budget of one operation (1 per scalar, 2 per object, times depth). @default 5000 */
  MAX_OPERATION_COST: positiveInt.default(5000),
  /** Failures of the upstream in a row (5xx, timeouts, resets; never 4xx) that open its circuit breaker; 0 turns it off. @default 5 */
  UPSTREAM_BREAKER_THRESHOLD: nonNegativeInt.default(5),
  /** A failure more than this long after the previous one starts the breaker's count again, in milliseconds. @default 10000 */
  UPSTREAM_BREAKER_WINDOW_MS: positiveInt.default(10_000),
  /** How long an open breaker refuses calls before one probe goes through, in milliseconds. @default 15000 */
  UPSTREAM_BREAKER_COOLDOWN_MS: positiveInt.default(15_000),
  /** Limit each caller's GraphQL operations (see RATE_LIMIT_POINTS); shared through Redis when REDIS_URL is set. @default false */
  RATE_LIMIT_ENABLED: bool.default(false),
  /** Operations (HTTP requests or WebSocket subscribes) one caller may start per window. @default 120 */
  RATE_LIMIT_POINTS: positiveInt.default(120),
  /** Length of the rate-limit window, in seconds. @default 60 */
  RATE_LIMIT_WINDOW_SECONDS: positiveInt.default(60),
  /**
   * Callers without their own token are limited by client address: take it from the last
   * `X-Forwarded-For` entry (the one a load balancer in front appended) instead of the socket. @default false
   */
  RATE_LIMIT_TRUST_PROXY: bool.default(false),
  /** Answer schema introspection (`__schema`, `__type`); off refuses it with GRAPHQL_VALIDATION_FAILED. @default true */
  GRAPHQL_INTROSPECTION: bool.default(true),
  /** Serve GraphiQL to browsers at /graphql. @default true */
  GRAPHIQL_ENABLED: bool.default(true),
  /** "Did you mean …?" suggestions in validation errors (they reveal field names). @default true */
  GRAPHQL_FIELD_SUGGESTIONS: bool.default(true),
  /** Automatic persisted queries (the Apollo protocol). @default true */
  APQ_ENABLED: bool.default(true),
  /** Most documents the APQ store keeps (least recently used leave first). @default 1000 */
  APQ_MAX_ENTRIES: positiveInt.default(1000),
  /** Most bytes of documents the APQ store keeps, all together. @default 4194304 (4 MiB) */
  APQ_MAX_BYTES: positiveInt.default(4 * 1024 * 1024),
  /**
   * Trusted-documents mode: a JSON file `{ "<sha256>": "<document>" }` (`npm run trusted-documents`
   * writes one); only its operations run, by hash, and APQ registration is off. @default unset (any operation)
   */
  TRUSTED_DOCUMENTS_FILE: z.string().min(1).optional(),
  /** pino log level. @default info */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Serve Prometheus metrics on the main port, at METRICS_PATH. @default true */
  METRICS_ENABLED: bool.default(true),
  /** Path of the Prometheus metrics. @default /metrics */
  METRICS_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, { message: 'must be a path starting with /, such as /metrics' })
    .default('/metrics'),
  /** Distinct GraphQL operation names with their own metric series; later names are reported as `other`. @default 100 */
  METRICS_OPERATION_NAME_LIMIT: positiveInt.default(100),
  /** Label GraphQL request and error metrics with the caller's organization id (bounded like operation names). @default false */
  METRICS_ORGANIZATION_LABEL: bool.default(false),
  /**
   * OTLP/HTTP collector base URL (spans go to `<url>/v1/traces`). Setting it turns OpenTelemetry
   * tracing on; unset, tracing is off and its SDK is never loaded. @default unset (off)
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as http://collector:4318' })
    .optional(),
  /** `service.name` of the gateway's spans. @default fine-tuning-gateway */
  OTEL_SERVICE_NAME: z.string().min(1).default('fine-tuning-gateway'),
});

export type Env = z.output<typeof envSchema>;

export interface GatewayConfig {
  port: number;
  host: string;
  upstream: { kind: 'embedded'; jobSeconds: number } | { kind: 'remote'; baseUrl: string };
  /** Credentials for callers who send none: the demo tenant (embedded) or the operator's (single-tenant). */
  fallbackCredentials: { token: string; organizationId: string } | null;
  /** Host names besides loopback whose requests may use `fallbackCredentials`, lower case. */
  allowedHosts: string[];
  /** Origins allowed by CORS. */
  corsOrigins: string[];
  operationLimits: {
    maxDepth: number;
    maxAliases: number;
    maxFields: number;
    maxDirectives: number;
    maxTokens: number;
    maxCost: number;
  };
  upstreamDeadlineMs: number;
  baseModelCacheMs: number;
  maxUploadBytes: number;
  maxAnalyzeBytes: number;
  maxRequestBodyBytes: number;
  redisUrl: string | null;
  redisHeartbeatMs: number;
  polling: { runningMs: number; queuedMs: number; listMs: number; maxBackoffMs: number };
  logLevel: Env['LOG_LEVEL'];
  metrics: { enabled: boolean; path: string; operationNameLimit: number; organizationLabel: boolean };
  /** OpenTelemetry tracing, or null when off. */
  tracing: { tracesUrl: string; serviceName: string } | null;
  circuitBreaker: { threshold: number; windowMs: number; coolDownMs: number };
  /** Per-caller rate limit, or null when off. */
  rateLimit: { points: number; windowSeconds: number; trustProxy: boolean } | null;
  switches: { introspection: boolean; graphiql: boolean; fieldSuggestions: boolean };
  persistedOperations: { apq: { maxEntries: number; maxBytes: number } | null; trustedDocumentsFile: string | null };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * A setting's value as an error message may show it: never a token, and never the credentials a URL
 * may carry (`redis://:password@host`).
 */
function shown(name: string, value: string): string {
  if (/TOKEN|SECRET|PASSWORD/.test(name)) return '[redacted]';
  return value.replace(/[^/@]*@/, '[redacted]@');
}

/** Demo tenant of the embedded simulator. */
export const DEMO_CREDENTIALS = { token: 'demo-token', organizationId: 'demo-org' } as const;

export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  // Empty strings count as unset, as shells and compose files often export `VAR=`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(environment)');
      return `${name}=${JSON.stringify(shown(name, env[name] ?? ''))}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;

  if (e.GATEWAY_SINGLE_TENANT && (!e.NSCALE_API_TOKEN || !e.NSCALE_ORGANIZATION_ID)) {
    throw new ConfigError(
      'Invalid configuration:\n  GATEWAY_SINGLE_TENANT=true needs NSCALE_API_TOKEN and NSCALE_ORGANIZATION_ID',
    );
  }
  if (e.GATEWAY_SINGLE_TENANT && !e.NSCALE_API_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  GATEWAY_SINGLE_TENANT=true needs NSCALE_API_URL (the embedded simulator always serves the demo tenant)',
    );
  }

  const upstream: GatewayConfig['upstream'] = e.NSCALE_API_URL
    ? { kind: 'remote', baseUrl: e.NSCALE_API_URL.replace(/\/+$/, '') }
    : { kind: 'embedded', jobSeconds: e.SIMULATOR_JOB_SECONDS };

  let fallbackCredentials: GatewayConfig['fallbackCredentials'] = null;
  if (upstream.kind === 'embedded') fallbackCredentials = { ...DEMO_CREDENTIALS };
  else if (e.GATEWAY_SINGLE_TENANT)
    fallbackCredentials = { token: e.NSCALE_API_TOKEN!, organizationId: e.NSCALE_ORGANIZATION_ID! };

  return {
    port: e.PORT,
    host: e.HOST ?? (upstream.kind === 'embedded' ? '127.0.0.1' : '0.0.0.0'),
    upstream,
    fallbackCredentials,
    allowedHosts: e.GATEWAY_ALLOWED_HOSTS,
    corsOrigins: e.CORS_ORIGINS,
    operationLimits: {
      maxDepth: e.MAX_OPERATION_DEPTH,
      maxAliases: e.MAX_OPERATION_ALIASES,
      maxFields: e.MAX_OPERATION_FIELDS,
      maxDirectives: e.MAX_OPERATION_DIRECTIVES,
      maxTokens: e.MAX_OPERATION_TOKENS,
      maxCost: e.MAX_OPERATION_COST,
    },
    upstreamDeadlineMs: e.UPSTREAM_DEADLINE_MS,
    baseModelCacheMs: e.BASE_MODEL_CACHE_SECONDS * 1000,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxAnalyzeBytes: e.ANALYZE_MAX_BYTES,
    maxRequestBodyBytes: e.MAX_REQUEST_BODY_BYTES,
    redisUrl: e.REDIS_URL ?? null,
    redisHeartbeatMs: e.REDIS_HEARTBEAT_MS,
    polling: {
      runningMs: e.POLL_INTERVAL_RUNNING_MS,
      queuedMs: e.POLL_INTERVAL_QUEUED_MS,
      listMs: e.POLL_INTERVAL_LIST_MS,
      maxBackoffMs: e.POLL_MAX_BACKOFF_MS,
    },
    logLevel: e.LOG_LEVEL,
    metrics: {
      enabled: e.METRICS_ENABLED,
      path: e.METRICS_PATH,
      operationNameLimit: e.METRICS_OPERATION_NAME_LIMIT,
      organizationLabel: e.METRICS_ORGANIZATION_LABEL,
    },
    tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? {
          tracesUrl: `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
          serviceName: e.OTEL_SERVICE_NAME,
        }
      : null,
    circuitBreaker: {
      threshold: e.UPSTREAM_BREAKER_THRESHOLD,
      windowMs: e.UPSTREAM_BREAKER_WINDOW_MS,
      coolDownMs: e.UPSTREAM_BREAKER_COOLDOWN_MS,
    },
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
