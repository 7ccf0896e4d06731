/**
 * Every environment variable the gateway reads, declared once each with its parser, its default and
 * its description (zod metadata, which docs/configuration.md is generated from: scripts/config-docs.ts).
 * src/config.ts turns them into the nested settings.
 *
 * Two groups of defaults belong to the code that owns them and are read from there: the poll
 * intervals and heartbeat (src/live/options.ts: the engine is usable without the gateway's settings
 * and may not import them) and SIMULATOR_JOB_SECONDS (src/simulator/job-seconds.ts, shared with
 * `npm run simulator`).
 *
 * What one caller may ask of the gateway (operation limits, the breaker, the rate limit, what a
 * WebSocket may hold) is declared in config-guard-variables.ts and listed here in its place; the
 * database and webhooks in config-webhook-variables.ts; the response cache in
 * config-cache-variables.ts; logs, metrics and tracing in config-observability-variables.ts.
 */
import { z } from 'zod';
import { about } from './config-about.js';
import { responseCacheVariables } from './config-cache-variables.js';
import {
  analyzeGuardVariables,
  bodyGuardVariables,
  guardVariables,
  webSocketVariables,
} from './config-guard-variables.js';
import { observabilityVariables } from './config-observability-variables.js';
import { webhookVariables } from './config-webhook-variables.js';
import {
  bool,
  hostName,
  httpUrl,
  list,
  milliseconds,
  nonNegativeInt,
  origin,
  port,
  positiveInt,
  seconds,
} from './env-values.js';
import { DEFAULT_INTERVALS } from './live/options.js';
import { SIMULATOR_FAILURE_RATE } from './simulator/failure-rate.js';
import { SIMULATOR_JOB_SECONDS } from './simulator/job-seconds.js';
import { UPSTREAM_DEFAULTS } from './upstream/options.js';

const upstreamUrl = httpUrl('http://127.0.0.1:4010/api/v1').refine(
  (value) => {
    // zod runs this refinement even when the value failed `url()` above: that failure is the message.
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return !url.username && !url.password && !url.search && !url.hash;
  },
  { message: 'must be a plain base URL: no credentials (tokens come from each request), query or fragment' },
);

/** Every environment variable the gateway reads, in the order docs/configuration.md lists them. */
export const settingVariables = z.object({
  PORT: about(port.default(4000), "Port of the gateway's HTTP and WebSocket server."),
  HOST: about(
    z.string().min(1).optional(),
    'Interface to listen on. Loopback on the embedded simulator: its demo tenant is for this machine only.',
    '`127.0.0.1` on the embedded simulator, else `0.0.0.0`',
  ),
  GATEWAY_ALLOWED_HOSTS: about(
    list('a host name (such as gateway.example.com, without a port)', hostName).default([]),
    'Host names (comma-separated, no port: `gateway.example.com,10.0.0.5`) besides loopback ' +
      '(`localhost`, `127.0.0.1`, `[::1]`) whose requests may use the default credentials (demo tenant ' +
      'or single-tenant operator). A request to any other `Host` must bring its own: a page whose name ' +
      "was re-bound to this gateway's address (DNS rebinding) sends its own name as `Host`. Behind a " +
      'proxy, list the name clients use (a forwarded `X-Forwarded-Host` must be allowed too). This stops web ' +
      'pages, not other clients (they can send `Host: localhost`): it is no access control (see the operations guide).',
    'none',
  ),
  CORS_ORIGINS: about(
    list('an origin (such as https://app.example, without a path)', origin).default([]),
    'Origins (comma-separated: `https://app.example,http://localhost:5173`) whose pages may read the ' +
      "gateway's answers (CORS, with credentials), and the headers `Age`, `X-Request-Id` and `Retry-After`; their " +
      'browsers keep a preflight an hour.',
    'none (same origin only)',
  ),
  NSCALE_API_URL: about(
    upstreamUrl.optional(),
    'Base URL of the upstream fine-tuning API, up to `/api/v1` (paths continue with ' +
      '`/organizations/{org}/…`). Setting it enables the `nscale` provider. Unset while `TOGETHER_API_URL` is ' +
      'unset too, the gateway starts the embedded simulator and serves the demo tenant; unset while ' +
      '`TOGETHER_API_URL` is set, `nscale` is not enabled and the gateway serves `together` alone.',
    'unset (embedded simulator, when `TOGETHER_API_URL` is unset too)',
  ),
  NSCALE_API_TOKEN: about(
    z.string().min(1).optional(),
    'Operator token, used for callers without credentials only with `GATEWAY_SINGLE_TENANT=true`.',
    'unset',
  ),
  NSCALE_ORGANIZATION_ID: about(
    z.string().min(1).optional(),
    'Operator organization, used with `NSCALE_API_TOKEN` only with `GATEWAY_SINGLE_TENANT=true`.',
    'unset',
  ),
  GATEWAY_SINGLE_TENANT: about(
    bool.default(false),
    "Serve callers that send no credentials with the operator's: `NSCALE_API_TOKEN` / " +
      '`NSCALE_ORGANIZATION_ID` on `nscale`, `TOGETHER_API_KEY` on `together`. They would spend the ' +
      "operator's credit, so it must be turned on explicitly; needs a remote provider " +
      '(`NSCALE_API_URL` or `TOGETHER_API_URL`) and the credentials of each one enabled.',
  ),
  SIMULATOR_JOB_SECONDS,
  SIMULATOR_FAILURE_RATE,
  TOGETHER_API_URL: about(
    upstreamUrl.optional(),
    "Base URL of Together AI's API, up to `/v1` (the real one is `https://api.together.xyz/v1`). " +
      'Setting it enables the `together` provider; unset while `NSCALE_API_URL` is unset too, the ' +
      'gateway starts the embedded Together simulator beside the Nscale one.',
    'unset (embedded simulator, when `NSCALE_API_URL` is unset too)',
  ),
  TOGETHER_API_KEY: about(
    z.string().min(1).optional(),
    'Operator Together API key, used for `together` callers without credentials only with `GATEWAY_SINGLE_TENANT=true`.',
    'unset',
  ),
  UPSTREAM_DEADLINE_MS: about(
    milliseconds(1).default(UPSTREAM_DEFAULTS.deadlineMs),
    'Timeout of one upstream call including its retries, in milliseconds.',
  ),
  UPSTREAM_CONNECTIONS: about(
    positiveInt.default(UPSTREAM_DEFAULTS.connections),
    'Connections the gateway keeps open to the upstream, shared by every caller; calls beyond them ' +
      'wait (within their deadline) for one to come free.',
  ),
  UPSTREAM_CALLER_CONNECTIONS: about(
    positiveInt.default(16),
    'Upstream calls one caller (one token) may have in flight at once, so that no tenant can hold ' +
      "every connection; its further calls wait for one of its own, never taking another caller's " +
      'place. At least `UPSTREAM_CONNECTIONS` turns the share off.',
  ),
  CALLER_MAX_OPERATIONS: about(
    positiveInt.default(32),
    'GraphQL operations over HTTP one caller (its token, or its address without one) may have ' +
      'running at once; past that it is refused at once with `RATE_LIMITED` (HTTP 429) until one ends.',
  ),
  CALLER_MAX_SUBSCRIPTIONS: about(
    positiveInt.default(100),
    'Subscriptions one caller (its token, or its address without one) may have open at once on this ' +
      'gateway, over WebSocket and SSE together; past that a new one is refused with `RATE_LIMITED` until ' +
      'one of them ends.',
  ),
  BASE_MODEL_CACHE_SECONDS: about(
    nonNegativeInt.default(60),
    "Seconds a caller's base-model catalogue is reused before it is asked again; `0` disables.",
  ),
  DATASET_CACHE_SECONDS: about(
    nonNegativeInt.default(30),
    "Seconds a caller's list of datasets is reused (an id it lacks is still fetched); `0` disables.",
  ),
  MAX_UPLOAD_BYTES: about(
    positiveInt.default(100 * 1024 * 1024),
    'Largest CSV upload accepted, in bytes (100 MiB by default); the upload is streamed, never held ' +
      'whole. The embedded simulator gets the same limit.',
  ),
  UPLOAD_MIN_BYTES_PER_SECOND: about(
    positiveInt.default(8 * 1024),
    'Slowest a multipart upload body may arrive, in bytes per second, averaged over each ' +
      '`UPLOAD_RATE_WINDOW_SECONDS`; a slower (or stalled) body is cut and the upload refused with ' +
      '`BAD_USER_INPUT` naming this rule and the input field whose part was being read (8 KiB/s by default).',
  ),
  UPLOAD_RATE_WINDOW_SECONDS: about(
    seconds(1).default(15),
    'Length of the windows over which an upload body must keep `UPLOAD_MIN_BYTES_PER_SECOND`, in ' +
      'seconds: the longest a stalled upload holds a request.',
  ),
  ANALYZE_MAX_BYTES: about(
    positiveInt.default(200 * 1024 * 1024),
    'Largest CSV file `analyzeDataset` reads, in bytes (200 MiB by default); separate from ' +
      '`MAX_UPLOAD_BYTES`, as an analysis streams the file through the tokenizer and keeps only a few ' +
      'bytes per row.',
  ),
  ANALYZE_DUPLICATE_ROWS: about(
    positiveInt.default(2_000_000),
    'Distinct rows `analyzeDataset` remembers per file to find duplicates (about 24 bytes each, so ' +
      '48 MiB by default). Past it, later rows are still checked against those remembered, and the ' +
      "report's `approximations` says the duplicate count is partial.",
  ),
  ...analyzeGuardVariables,
  ANALYZE_WORKER_HEAP_MB: about(
    positiveInt.default(512),
    "Heap of each `analyzeDataset` worker thread, in MiB: the bound on an analysis's memory whatever " +
      "the file's shape (a field keeps at most the model's context length × 16 characters). A worker " +
      "past it stops, and its analyses fail, instead of the gateway's process.",
  ),
  MAX_REQUEST_BODY_BYTES: about(
    positiveInt.default(1024 * 1024),
    'Largest body of a request that is not a multipart upload (a JSON query document and its ' +
      'variables), in bytes (1 MiB by default); larger ones get HTTP 413 with `BAD_USER_INPUT`, ' +
      'chunked or not.',
  ),
  MAX_CONNECTIONS: about(
    positiveInt.default(10_000),
    'Most TCP connections (HTTP and WebSocket) open at once; further ones are closed as they arrive ' +
      "(Node's `server.maxConnections`). Keep it below the process's file-descriptor limit (`ulimit " +
      "-n`) minus the upstream's connections.",
  ),
  MAX_CONNECTIONS_PER_ADDRESS: about(
    nonNegativeInt.default(256),
    'Most TCP connections open at once from one client address; further ones are closed as they ' +
      'arrive. Behind a load balancer every connection comes from its address: raise it to ' +
      '`MAX_CONNECTIONS`, or `0` turns it off.',
  ),
  HTTP_HEADERS_TIMEOUT_MS: about(
    milliseconds(1).default(10_000),
    "Time a client has to send a request's headers, in milliseconds; a connection still sending them " +
      'is closed (slow-header clients cannot hold connections).',
  ),
  HTTP_REQUEST_TIMEOUT_MS: about(
    milliseconds(0).default(300_000),
    'Time a client has to send a whole request, body included, in milliseconds (an upload of ' +
      '`MAX_UPLOAD_BYTES` must fit); `0` turns it off.',
  ),
  ...bodyGuardVariables,
  ...webSocketVariables,
  REDIS_URL: about(
    z
      .url({ protocol: /^rediss?$/, message: 'must be a redis:// or rediss:// URL' })
      .refine((url) => !URL.canParse(url) || /^\/?(\d+)?$/.test(new URL(url).pathname), {
        message: 'its path names the database and must be a number (redis://host:6379/5), or nothing for 0',
      })
      .optional(),
    'Redis for multi-instance subscriptions (pub/sub and poll leases) and a shared rate limit; its path is the ' +
      "database number (`/5`), which also names the deployment's share of the server (its pub/sub channels too). " +
      'A Redis that refuses it at start (credentials, database) stops the start; one that is down does not. ' +
      'Unset: in-process only.',
    'unset',
  ),
  REDIS_MESSAGE_SECRET: about(
    z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    'With `REDIS_URL`: the secret shared by every instance that signs the live-update messages they ' +
      'exchange through Redis (HMAC-SHA-256); a message unsigned or signed with another secret is dropped ' +
      'and logged. The rate limit keys tokens in Redis with a key derived from it (an HMAC, never a plain ' +
      "hash: changing it starts the quotas afresh). Keep it out of the Redis server's reach. Without it the " +
      'gateway starts with a warning, anything that can publish on the Redis server can forge job states, and ' +
      "anyone reading it can check a guessed token against the rate limit's keys: set it in production.",
    'unset (a warning with `REDIS_URL`)',
  ),
  REDIS_MESSAGE_SECRET_ACCEPTED: about(
    z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    'With `REDIS_MESSAGE_SECRET`: one more secret that messages from other instances may be signed with, ' +
      'checked but never used to sign: how the secret is rotated without dropping messages between ' +
      'instances (docs/operations.md, "Rotating REDIS_MESSAGE_SECRET").',
    'unset',
  ),
  REDIS_HEARTBEAT_MS: about(
    milliseconds(30).default(DEFAULT_INTERVALS.heartbeatMs),
    "With `REDIS_URL`: lifetime of each instance's heartbeat in Redis, in milliseconds. An instance " +
      'that dies holding poll leases is replaced within 7/6 of this (plus a Redis round trip).',
  ),
  POLL_INTERVAL_RUNNING_MS: about(
    milliseconds(1).default(DEFAULT_INTERVALS.runningMs),
    'Subscription poll interval while a job runs, in milliseconds.',
  ),
  POLL_INTERVAL_QUEUED_MS: about(
    milliseconds(1).default(DEFAULT_INTERVALS.queuedMs),
    'Subscription poll interval while a job is queued or starting, in milliseconds; also how long the ' +
      "response cache keeps such a job's answers.",
  ),
  POLL_INTERVAL_LIST_MS: about(
    milliseconds(1).default(DEFAULT_INTERVALS.listMs),
    "Poll interval of the organization's job list for `jobsUpdated`, in milliseconds; also how long the " +
      'response cache keeps a page of `jobs` and a running job.',
  ),
  POLL_MAX_BACKOFF_MS: about(
    milliseconds(1).default(DEFAULT_INTERVALS.maxBackoffMs),
    'Longest wait between polls while the upstream fails, in milliseconds.',
  ),
  ...responseCacheVariables,
  ...guardVariables,
  ...webhookVariables,
  GRAPHQL_INTROSPECTION: about(
    bool.default(true),
    'Answer schema introspection (`__schema`, `__type`); off refuses it with `GRAPHQL_VALIDATION_FAILED`.',
  ),
  GRAPHIQL_ENABLED: about(bool.default(true), 'Serve GraphiQL to browsers at `/graphql`.'),
  GRAPHQL_FIELD_SUGGESTIONS: about(
    bool.default(true),
    '"Did you mean …?" suggestions in validation errors (they reveal field names).',
  ),
  APQ_ENABLED: about(bool.default(true), 'Automatic persisted queries (the Apollo protocol).'),
  APQ_MAX_ENTRIES: about(
    positiveInt.default(1000),
    'Most documents the APQ store keeps (least recently used leave first).',
  ),
  APQ_MAX_BYTES: about(
    positiveInt.default(4 * 1024 * 1024),
    'Most bytes of documents the APQ store keeps, all together (4 MiB by default).',
  ),
  TRUSTED_DOCUMENTS_FILE: about(
    z.string().min(1).optional(),
    'Trusted-documents mode: a JSON file `{ "<sha256>": "<document>" }` (`npm run trusted-documents` ' +
      'writes one); only its operations run, by hash, and APQ registration is off.',
    'unset (any operation)',
  ),
  ...observabilityVariables,
});

export type SettingVariables = z.output<typeof settingVariables>;
