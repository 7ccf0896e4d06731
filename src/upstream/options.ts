/**
 * Options of `createUpstreamClient`, with their defaults in one place. undici's own defaults (300 s
 * header and body timeouts, no overall deadline) suit a download manager, not a gateway that answers
 * a person waiting on a GraphQL query: the defaults here fail within seconds and say why.
 */
import type { Dispatcher } from 'undici';
import type { UpstreamObserver } from './observer.js';
import type { CircuitBreakerOptions } from './circuit-breaker.js';
import type { UpstreamDialect } from './dialect.js';
import { sleep } from './sleep.js';

/** Pino-compatible: `logger.warn({ operation, attempt }, 'message')`. A pino logger fits as is. */
export type UpstreamLogFn = (fields: Record<string, unknown>, message?: string) => void;

export interface UpstreamLogger {
  debug: UpstreamLogFn;
  info: UpstreamLogFn;
  warn: UpstreamLogFn;
  error: UpstreamLogFn;
}

export interface RetryOptions {
  /**
   * Attempts in all, the first included, for idempotent calls (GET, DELETE, cancel, dry run); a 500
   * is tried again once at most (retry.ts).
   * Job creation, dataset creation, exports and uploads always make exactly one attempt.
   * @default 3
   */
  maxAttempts?: number;
  /** Backoff ceiling of the first retry; doubles on each retry ("full jitter": a random delay below it). @default 200 */
  baseDelayMs?: number;
  /** Upper bound of the exponential backoff. Does not shorten a `Retry-After` the upstream asked for. @default 2_000 */
  maxDelayMs?: number;
  /**
   * Longest `Retry-After` waited out before trying again: a longer one ends the call at once, its
   * error carrying `retryAfterSeconds`, so that a request is not held for the upstream's rate limit
   * (a 429 asking 7 s held a query 14 s, through three attempts, and still said "retry after 7 s").
   * @default 5_000
   */
  maxRetryAfterMs?: number;
}

export interface UpstreamClientOptions {
  /**
   * The upstream's API root, without the organization: `http://127.0.0.1:4010/api/v1`. Paths are
   * `baseUrl + /organizations/{org}/…`. Its origin is the only one that ever receives a caller's token.
   */
  baseUrl: string;
  /**
   * undici dispatcher for every call (an `Agent`, a `MockAgent` in tests). When absent the client
   * builds its own keep-alive `Agent` from the timeouts below and closes it in `close()`; an injected
   * dispatcher is the caller's to close, and `connectTimeoutMs` does not apply to it.
   */
  dispatcher?: Dispatcher;
  /**
   * Connections the default Agent opens to the upstream; calls beyond them wait in its queue (within
   * their deadline, and a call that never left the queue is never reported as sent). @default 64 (`UPSTREAM_DEFAULTS`)
   */
  connections?: number;
  /**
   * Calls of one caller (one token) in flight at once; its next calls wait for one of its own to end
   * (caller-share.ts), so that no caller can hold every connection. @default `connections` (no share of its own)
   */
  callerConnections?: number;
  /** TCP (and TLS) connect timeout of the default Agent. @default 5_000 */
  connectTimeoutMs?: number;
  /** Longest wait for the response headers once the request is sent (undici `headersTimeout`). @default 15_000 */
  headersTimeoutMs?: number;
  /** Longest silence between two chunks of a response body (undici `bodyTimeout`). @default 15_000 */
  bodyTimeoutMs?: number;
  /**
   * Overall deadline of one client call, retries and their sleeps included. When it passes, the call
   * fails with `UPSTREAM_UNAVAILABLE` (or `UPSTREAM_OUTCOME_UNKNOWN` for a job creation already sent).
   * A call may shorten it with `CallOptions.deadlineMs`.
   * @default 15_000 (`UPSTREAM_DEFAULTS`)
   */
  deadlineMs?: number;
  /** Deadline of `uploadFile`, which streams a whole CSV and so may legitimately take longer. @default 300_000 */
  uploadDeadlineMs?: number;
  /** Largest response body read into memory; a bigger one fails with `UPSTREAM_ERROR`. @default 8 MiB */
  maxResponseBytes?: number;
  retry?: RetryOptions;
  /** Where retries, give-ups and refused download URLs are logged. Never receives tokens. @default no logging */
  logger?: UpstreamLogger;
  /** Random source of the backoff jitter, in [0, 1). Tests pin it. @default Math.random */
  random?: () => number;
  /**
   * Sleeps between retries; must reject promptly with `signal.reason` when `signal` aborts.
   * Tests replace it to observe the delays without waiting them out. @default a cancellable setTimeout
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Clock used for deadlines and HTTP-date `Retry-After` values, in epoch milliseconds. @default Date.now */
  now?: () => number;
  /**
   * Hears of each exchange (attempt) with the upstream: metrics, trace spans, correlation headers
   * (see observer.ts). @default none
   */
  observer?: UpstreamObserver;
  /**
   * A circuit breaker around every call (circuit-breaker.ts, its defaults there; its clock defaults
   * to `now`). The client exposes it as `circuitBreaker` for observers. @default none
   */
  circuitBreaker?: CircuitBreakerOptions;
}

export interface ResolvedOptions {
  baseUrl: URL;
  /**
   * The path of `baseUrl` that every request path is appended to: no trailing slash, and '' when the
   * API sits at the root (`http://h:1` or `http://h:1/`, whose URL pathname is "/"), so that requests
   * go to `/organizations/…`, never `//organizations/…`.
   */
  basePath: string;
  connections: number;
  callerConnections: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  deadlineMs: number;
  uploadDeadlineMs: number;
  maxResponseBytes: number;
  retry: Required<RetryOptions>;
  logger: UpstreamLogger;
  random: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  now: () => number;
  observer: UpstreamObserver | null;
  /** Paths and error answers of an upstream other than Nscale (set by its client). @default Nscale's (dialect.ts) */
  dialect?: UpstreamDialect;
}

/**
 * The defaults that are also gateway settings (`UPSTREAM_CONNECTIONS`, `UPSTREAM_DEADLINE_MS`): the
 * settings schema takes them from here, so that the client and the gateway never disagree.
 */
export const UPSTREAM_DEFAULTS = { connections: 64, deadlineMs: 15_000 } as const;

const noop: UpstreamLogFn = () => {};
const silentLogger: UpstreamLogger = { debug: noop, info: noop, warn: noop, error: noop };

export function resolveOptions(options: UpstreamClientOptions): ResolvedOptions {
  const baseUrl = parseBaseUrl(options.baseUrl);
  const resolved: ResolvedOptions = {
    baseUrl,
    basePath: baseUrl.pathname.replace(/\/+$/, ''),
    connections: options.connections ?? UPSTREAM_DEFAULTS.connections,
    callerConnections: options.callerConnections ?? options.connections ?? UPSTREAM_DEFAULTS.connections,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    headersTimeoutMs: options.headersTimeoutMs ?? 15_000,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 15_000,
    deadlineMs: options.deadlineMs ?? UPSTREAM_DEFAULTS.deadlineMs,
    uploadDeadlineMs: options.uploadDeadlineMs ?? 300_000,
    maxResponseBytes: options.maxResponseBytes ?? 8 * 1024 * 1024,
    retry: {
      maxAttempts: options.retry?.maxAttempts ?? 3,
      baseDelayMs: options.retry?.baseDelayMs ?? 200,
      maxDelayMs: options.retry?.maxDelayMs ?? 2_000,
      maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? 5_000,
    },
    logger: options.logger ?? silentLogger,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? sleep,
    now: options.now ?? Date.now,
    observer: options.observer ?? null,
  };
  for (const [name, value] of Object.entries({ ...resolved.retry, ...pickNumbers(resolved) })) {
    if (!Number.isFinite(value) || value < 0)
      throw new TypeError(`upstream client option ${name}: ${value} is not a number ≥ 0`);
  }
  for (const [name, value] of Object.entries({
    connections: resolved.connections,
    callerConnections: resolved.callerConnections,
  })) {
    if (!Number.isInteger(value) || value < 1)
      throw new TypeError(`upstream client option ${name}: ${value} is not an integer ≥ 1`);
  }
  if (!Number.isInteger(resolved.retry.maxAttempts) || resolved.retry.maxAttempts < 1) {
    throw new TypeError(
      `upstream client option retry.maxAttempts: ${resolved.retry.maxAttempts} is not an integer ≥ 1`,
    );
  }
  return resolved;
}

function pickNumbers(o: ResolvedOptions): Record<string, number> {
  const { connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs, deadlineMs, uploadDeadlineMs, maxResponseBytes } = o;
  return { connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs, deadlineMs, uploadDeadlineMs, maxResponseBytes };
}

/**
 * The base URL must be plain http(s) with no credentials, query or fragment: its origin decides where
 * tokens may go, and a userinfo part would put a secret into every request line we log.
 */
function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`upstream client option baseUrl: ${JSON.stringify(raw)} is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`upstream client option baseUrl: protocol ${url.protocol} is not http: or https:`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new TypeError('upstream client option baseUrl: must not hold credentials, a query or a fragment');
  }
  // An http(s) URL's pathname is never empty: "/" stays "/" (basePath is the form to append to).
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}
