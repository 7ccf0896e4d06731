/**
 * The settings of what one caller may ask of the gateway: the size of an operation, the upstream's
 * circuit breaker and the rate limit. Part of the one settings schema (config-variables.ts lists them
 * in its order).
 */
import { about } from './config-about.js';
import { bool, milliseconds, nonNegativeInt, positiveInt, seconds } from './env-values.js';

export const guardVariables = {
  MAX_OPERATION_DEPTH: about(positiveInt.default(12), 'Deepest selection nesting of one operation.'),
  MAX_OPERATION_ALIASES: about(positiveInt.default(30), "Most aliases in one operation, `__typename`'s included."),
  MAX_OPERATION_FIELDS: about(
    positiveInt.default(300),
    'Most field selections in one operation (repeats, `__typename` and each fragment spread count); ' +
      "GraphiQL's introspection query (230) fits.",
  ),
  MAX_OPERATION_DIRECTIVES: about(positiveInt.default(30), 'Most directives in one operation.'),
  MAX_OPERATION_TOKENS: about(positiveInt.default(3000), 'Most lexical tokens in one GraphQL document.'),
  MAX_OPERATION_COST: about(
    positiveInt.default(5000),
    'Cost budget of one operation: 1 per scalar field, 2 per object field plus its selection, ' +
      'times the page its `first` asks for (100 when a variable gives it).',
  ),
  UPSTREAM_BREAKER_THRESHOLD: about(
    nonNegativeInt.default(5),
    'Failures of the upstream in a row (5xx, timeouts, resets; never 4xx) that open its circuit breaker; `0` turns it off.',
  ),
  UPSTREAM_BREAKER_WINDOW_MS: about(
    milliseconds(1).default(10_000),
    "A failure more than this long after the previous one starts the breaker's count again, in milliseconds.",
  ),
  UPSTREAM_BREAKER_COOLDOWN_MS: about(
    milliseconds(1).default(15_000),
    'How long an open breaker refuses calls before one probe goes through, in milliseconds.',
  ),
  RATE_LIMIT_ENABLED: about(
    bool.default(false),
    "Limit each caller's GraphQL operations (see `RATE_LIMIT_POINTS`); shared through Redis when `REDIS_URL` is set.",
  ),
  RATE_LIMIT_POINTS: about(
    positiveInt.default(120),
    'Operations (HTTP requests or WebSocket subscribes) one caller may start per window. A token ' +
      'counts as a caller of its own once the upstream has accepted it; until then it also spends its ' +
      "client address's quota, shared by every such token from there (one such token may spend a quarter of it).",
  ),
  RATE_LIMIT_WINDOW_SECONDS: about(positiveInt.default(60), 'Length of the rate-limit window, in seconds.'),
  RATE_LIMIT_AUTH_FAILURES: about(
    positiveInt.default(10),
    'Failed authentications (tokens the upstream refused with 401) from one client address per ' +
      "window; past them that address's tokens not yet accepted by the upstream are refused with " +
      '`RATE_LIMITED` before reaching it.',
  ),
  RATE_LIMIT_MAX_KEYS: about(
    positiveInt.default(100_000),
    "Most callers (tokens, addresses) each of the rate limit's in-memory tables holds, least " +
      "recently seen leaving first: the limiter's memory stays bounded whatever the number of tokens presented.",
  ),
  RATE_LIMIT_TRUST_PROXY: about(
    bool.default(false),
    'Callers without their own token are limited by client address: take it from the last ' +
      '`X-Forwarded-For` entry (the one a load balancer in front appended) instead of the socket.',
  ),
};

/**
 * How long a client may take over a request's body, listed in config-variables.ts beside the other
 * times a client has (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS).
 */
export const bodyGuardVariables = {
  HTTP_BODY_TIMEOUT_MS: about(
    milliseconds(1).default(15_000),
    'Time a client has to send the body of a request that is not a multipart upload (a JSON query, a form), ' +
      'from the end of its headers, in milliseconds; a body still arriving then is answered 408 and its ' +
      'connection closed. `MAX_REQUEST_BODY_BYTES` (1 MiB) takes 8.4 s at 1 Mbit/s; a query of a few ' +
      'kilobytes, one round trip. Uploads have their own pace instead (`UPLOAD_MIN_BYTES_PER_SECOND`).',
  ),
};

/** The analysis pool's share per caller (src/preflight/analysis-admission.ts), beside ANALYZE_WORKER_HEAP_MB. */
export const analyzeGuardVariables = {
  ANALYZE_MAX_PER_CALLER: about(
    positiveInt.default(2),
    'Dataset analyses (`analyzeDataset`) one caller (provider, organization and token) may have running ' +
      'or waiting for the analysis pool at once; one more is refused at once with `RATE_LIMITED` (HTTP ' +
      "429, `Retry-After`), so that one caller's large files cannot hold every other tenant's analysis.",
  ),
  ANALYZE_QUEUE_WAIT_SECONDS: about(
    seconds(1).default(30),
    'Longest an analysis waits for a place in the analysis pool (its threads × 4 files) before it is ' +
      'refused with `RATE_LIMITED` saying the gateway was busy, in seconds; a place that frees goes to the ' +
      'waiting caller with the fewest analyses running, and at most twice the places may wait.',
  ),
};

/**
 * WebSockets: how long one may stay open without a proven caller, and the keep-alive pings; listed in
 * config-variables.ts after the times a client has over a request.
 */
export const webSocketVariables = {
  WS_UNAUTHENTICATED_IDLE_MS: about(
    milliseconds(1).default(30_000),
    'A WebSocket whose `connection_init` brought no token, or a token the upstream has not accepted on this ' +
      'instance yet (made up, say), is closed (code 4401) once it has had no operation running for this long, ' +
      'in milliseconds.',
  ),
  WS_PING_INTERVAL_MS: about(
    milliseconds(0).default(30_000),
    'The gateway pings every WebSocket this often, in milliseconds, so that a quiet subscription is not cut by ' +
      "the idle timeout of a proxy or load balancer in between (keep it below theirs: nginx's " +
      '`proxy_read_timeout`, often 60 s on cloud load balancers), and cuts one that has not answered the previous ' +
      'ping (a peer gone without closing). Browsers and graphql-ws clients answer by themselves. `0` turns it off.',
  ),
};
