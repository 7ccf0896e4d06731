/**
 * The gateway's own metrics, on one prom-client `Registry` per gateway (never the global default, so
 * that two gateways in one process, or tests, do not share counters). The GraphQL operation and error
 * counters are here, fed by every transport (src/server/operation-tally.ts); the GraphQL duration
 * histograms are the prometheus plugin's (src/server/use-metrics.ts), registered on the same registry.
 * Here too: upstream exchanges, connections, live updates, the base-model cache and the response cache, fed by the observers
 * that src/upstream and src/subscriptions offer (they know nothing of prom-client). The gauges read at
 * each scrape (pollers, leases, streams, open connections) are in scraped-gauges.ts; the webhooks' and the
 * download links' metrics in webhook-metrics.ts and download-metrics.ts.
 *
 * Label values are bounded: route templates (never ids), statuses, topic kinds, and operation names
 * capped by `operationName` (at most `operationNameLimit`, taken only by callers the upstream accepted,
 * then `other`; none longer than 100 characters: bounded-label.ts). No token, and no organization id
 * unless `organizationLabel` is on. No `nodejs_version_info` either: which Node runs tells an attacker
 * which of its flaws to try.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { CircuitBreakerView } from '../upstream/circuit-breaker.js';
import type { ProviderName } from '../providers/provider-name.js';
import type { LiveUpdatesObserver } from '../live/observed.js';
import { combineObservers, type UpstreamObserver } from '../upstream/observer.js';
import { boundedLabel, type BoundedLabel } from './bounded-label.js';
import { circuitBreakerMetrics } from './circuit-breaker-metrics.js';
import { METRICS_DEFAULTS } from './defaults.js';
import { webhookMetrics, type WebhookBacklog } from './webhook-metrics.js';
import { provenRequests, type RequestProof } from './proven-requests.js';
import { downloadMetrics, type DownloadOutcome } from './download-metrics.js';
import { analyzeMetrics } from './analyze-metrics.js';
import type { RefusalReason } from '../preflight/analysis-admission.js';
import {
  scrapedGauges,
  type ConnectionGauges,
  type ConnectionLimitName,
  type LiveUpdatesGauges,
} from './scraped-gauges.js';

export interface GatewayMetricsOptions {
  /** Distinct operation names with their own series; later ones are `other`. @default 100 */
  operationNameLimit?: number;
  /** Adds an `organization` label to the GraphQL request and error counters (bounded like operation names). @default false */
  organizationLabel?: boolean;
  /** Node.js process metrics (`process_*`, `nodejs_*`, without `nodejs_version_info`). @default true */
  processMetrics?: boolean;
  /** Whether the base-model catalogue is cached (BASE_MODEL_CACHE_SECONDS > 0): its lookups are counted only then. @default true */
  baseModelCache?: boolean;
  /** Whether the response cache is on (RESPONSE_CACHE_ENABLED): its answers are counted only then. @default false */
  responseCache?: boolean;
}

/**
 * The labels of a GraphQL operation on `gateway_graphql_requests_total` and `gateway_graphql_errors_total`:
 * its name (bounded: `operationName`), its type (`query`, `mutation`, `subscription`, or `unknown` when
 * its document was not read), and its organization only when `organizationLabel` is on.
 */
export type OperationLabels = { operationName: string; operationType: string; organization?: string };

/**
 * How far an operation had gone when an error was answered: refused before its document was parsed
 * (`admission`: the rate limit, a body or message refused, a persisted query, trusted documents, a
 * caller's bounds), then `parse`, `validate` (operation limits included), `context`, `execute`
 * (a subscription's events included).
 */
export type OperationPhase = 'admission' | 'parse' | 'validate' | 'context' | 'execute';

/** How the response cache served an answer: from the cache, run and stored, or run and not stored. */
export type ResponseCacheResult = 'hit' | 'stored' | 'uncached';

export interface GatewayMetrics {
  registry: Registry;
  operationName: BoundedLabel;
  /** Bounded organization label, or null when the operator has not turned it on. */
  organization: BoundedLabel | null;
  /**
   * Claims `requestId` for one HTTP request, before its first upstream call (proven-requests.ts): its
   * labels may take slots once the proof is set, when the upstream accepted its caller.
   */
  claimRequest(requestId: string): RequestProof;
  /**
   * Whether the upstream accepted the caller of `requestId`, an id no HTTP request claimed (a WebSocket
   * connection's, proven-requests.ts): only then may its labels take slots.
   */
  provenCaller(requestId: string | undefined): boolean;
  /** Counts an HTTP response the gateway sent, by status and the code of its first error (`none` without errors). */
  response(status: number, code: string): void;
  /** Counts one GraphQL operation answered, on any transport, refusals included (operation-tally.ts). */
  graphqlOperation(labels: OperationLabels): void;
  /** Counts one error an operation answered, by the phase it had reached and its code (`extensions.code`). */
  graphqlError(labels: OperationLabels, phase: OperationPhase, code: string): void;
  upstream: UpstreamObserver;
  live: LiveUpdatesObserver;
  /** Base-model catalogue lookups: served from the cache (true) or fetched. */
  catalogueLookup(hit: boolean): void;
  /** Counts a GraphQL answer over HTTP by how the response cache served it (nothing when it is off). */
  responseCacheAnswer(result: ResponseCacheResult): void;
  /**
   * Counts an Nscale `job(id)` on a query the response cache serves: taken from the caller's listed
   * jobs (true) or asked of the upstream.
   */
  listedJobLookup(used: boolean): void;
  /** Reads the hub's pollers, streams and leases at each scrape; called once per hub (one per provider), they add up. */
  watchLiveUpdates(hub: LiveUpdatesGauges): void;
  /** Reads the open WebSockets and SSE streams at each scrape. */
  watchConnections(connections: ConnectionGauges): void;
  /** Counts a connection closed by one of the transports' limits. */
  connectionClosedByLimit(limit: ConnectionLimitName): void;
  /** Counts an HTTP request or a WebSocket message refused by a limit on how it is sent, before it is parsed. */
  requestRefusedByLimit(limit: RequestLimitName): void;
  /** Reports the upstream's circuit breaker: its state at each scrape, and every transition. */
  watchCircuitBreaker(breaker: CircuitBreakerView, provider: ProviderName): void;
  /** Counts a webhook delivery attempt recorded, by outcome (delivered, failed, refused, gone, interrupted). */
  webhookAttempt(outcome: 'delivered' | 'failed' | 'refused' | 'gone' | 'interrupted'): void;
  /** Counts a webhook endpoint paused because the upstream refused its stored credentials. */
  webhookEndpointPaused(): void;
  /** Counts finished webhook deliveries deleted past WEBHOOK_DELIVERY_RETENTION_MS (by this instance). */
  webhookDeliveriesDeleted(count: number): void;
  /**
   * Reads the deliveries due and not yet attempted, and those not yet delivered (waiting for a retry
   * included), all instances, from the store, at each scrape.
   */
  watchWebhookBacklog(read: () => Promise<WebhookBacklog>, now: () => number): void;
  /** Counts a request to one of the gateway's download links by how it ended (served, or why not). */
  download(outcome: DownloadOutcome): void;
  /** Counts an analyzeDataset refused a place in the analysis pool, by reason (analyze-metrics.ts). */
  analyzeRefused(reason: RefusalReason): void;
}

/**
 * The limits on how a request is sent (src/server/body-deadline.ts, json-depth.ts): a body still arriving at
 * HTTP_BODY_TIMEOUT_MS (408, connection closed), a body or a WebSocket message nested too deep (400; close 4400).
 */
export type RequestLimitName = 'http_body_timeout' | 'http_json_depth' | 'ws_json_depth';

/** Upstream latencies are remote calls: from a few milliseconds to the 15 s deadline. */
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

export function createGatewayMetrics(options: GatewayMetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) {
    // The event-loop delay is sampled every 100 ms, not prom-client's 10 ms: that timer woke an idle
    // gateway 100 times a second (8.5 ms of CPU a second, 0.06 ms per request of a fleet of polling
    // dashboards: bench/RESULTS.md, issue 22); a stall that matters is still seen.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
    registry.removeSingleMetric('nodejs_version_info');
  }
  const registers = [registry];
  // Registered in this order, which is the order a scrape lists them in.
  const responses = new Counter({
    name: 'gateway_http_responses_total',
    help: 'HTTP responses sent, refusals included (429, 413, 400, 403 …), by status and the code of the first error (none: no error)',
    labelNames: ['status', 'code'] as const,
    registers,
  });
  const operations = operationCounters(registers, options.organizationLabel === true);
  const proven = provenRequests();
  const upstream = upstreamExchangeMetrics(registers);
  const polls = new Counter({
    name: 'gateway_live_polls_total',
    help: 'Upstream polls made for live updates, by topic kind (job, jobs) and outcome (ok, failed)',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  // Without the cache every lookup is fetched: a hit/miss counter would say 0/0 forever.
  const catalogue =
    options.baseModelCache === false
      ? null
      : new Counter({
          name: 'gateway_base_model_cache_lookups_total',
          help: 'Base-model catalogue lookups, by result (hit: served from the cache; miss: fetched from the upstream)',
          labelNames: ['result'] as const,
          registers,
        });
  for (const result of ['hit', 'miss']) catalogue?.labels({ result }).inc(0);
  const answers = options.responseCache
    ? new Counter({
        name: 'gateway_response_cache_answers_total',
        help:
          'GraphQL answers over HTTP by how the response cache served them (hit: from the cache, not ' +
          'executed; stored: executed and cached; uncached: executed, not cacheable)',
        labelNames: ['result'] as const,
        registers,
      })
    : null;
  for (const result of ['hit', 'stored', 'uncached']) answers?.labels({ result }).inc(0);
  const listedJobs = options.responseCache
    ? new Counter({
        name: 'gateway_response_cache_listed_jobs_total',
        help:
          "Nscale job(id) on queries the response cache serves, by result (listed: taken from a job the caller's " +
          'list page read; asked: asked of the upstream)',
        labelNames: ['result'] as const,
        registers,
      })
    : null;
  for (const result of ['listed', 'asked']) listedJobs?.labels({ result }).inc(0);
  const gauges = scrapedGauges(registers);
  const watchCircuitBreaker = circuitBreakerMetrics(registers);

  const limit = options.operationNameLimit ?? METRICS_DEFAULTS.operationNameLimit;
  return {
    registry,
    operationName: boundedLabel(limit),
    organization: options.organizationLabel ? boundedLabel(limit) : null,
    claimRequest: proven.claim,
    provenCaller: proven.has,
    response: (status, code) => responses.inc({ status: String(status), code }),
    ...operations,
    upstream: combineObservers(proven.observer, upstream),
    live: { poll: (kind, outcome) => polls.inc({ kind, outcome }) },
    catalogueLookup: (hit) => catalogue?.inc({ result: hit ? 'hit' : 'miss' }),
    responseCacheAnswer: (result) => answers?.inc({ result }),
    listedJobLookup: (used) => listedJobs?.inc({ result: used ? 'listed' : 'asked' }),
    requestRefusedByLimit: requestLimitCounter(registers),
    ...gauges,
    watchCircuitBreaker,
    ...webhookMetrics(registers),
    ...downloadMetrics(registers),
    ...analyzeMetrics(registers),
  };
}

function requestLimitCounter(registers: Registry[]): GatewayMetrics['requestRefusedByLimit'] {
  const refused = new Counter({
    name: 'gateway_requests_refused_by_limit_total',
    help:
      'HTTP requests and WebSocket messages refused by a limit on how they are sent, before they are parsed: ' +
      'http_body_timeout (408, connection closed), http_json_depth (400), ws_json_depth (socket closed with 4400)',
    labelNames: ['limit'] as const,
    registers,
  });
  return (limit) => refused.inc({ limit });
}

/** The GraphQL operation and error counters, fed by every transport (src/server/operation-tally.ts). */
function operationCounters(
  registers: Registry[],
  organizationLabel: boolean,
): Pick<GatewayMetrics, 'graphqlOperation' | 'graphqlError'> {
  const operationLabels = ['operationName', 'operationType', ...(organizationLabel ? ['organization'] : [])];
  const operations = new Counter({
    name: 'gateway_graphql_requests_total',
    help:
      'GraphQL operations answered (queries, mutations, subscriptions; over HTTP, SSE and WebSocket; refusals ' +
      'included), by operation name and type',
    labelNames: operationLabels,
    registers,
  });
  const operationErrors = new Counter({
    name: 'gateway_graphql_errors_total',
    help:
      'Errors in GraphQL answers, by operation name and type, phase (admission: refused before parsing; parse, ' +
      'validate, context, execute) and error code (extensions.code)',
    labelNames: [...operationLabels, 'phase', 'code'],
    registers,
  });
  return {
    graphqlOperation: (labels) => operations.inc(labels),
    graphqlError: (labels, phase, code) => operationErrors.inc({ ...labels, phase, code }),
  };
}

/**
 * Each exchange with the upstream (each attempt) counted and timed, by method, route template and
 * status. A dry run of `POST /jobs` (a cost estimate, which creates nothing) is its own route,
 * `/jobs (dry run)`, so that creations can be told from estimates.
 */
function upstreamExchangeMetrics(registers: Registry[]): UpstreamObserver {
  const upstreamCalls = new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'HTTP exchanges with the upstream (each attempt), by method, route template and status ("none" when no answer came)',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Duration of HTTP exchanges with the upstream, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: UPSTREAM_BUCKETS,
    registers,
  });
  return {
    start({ method, route, dryRun }) {
      const startedAt = performance.now();
      return {
        end({ status }) {
          const labels = {
            method,
            route: dryRun ? `${route} (dry run)` : route,
            status: status === null ? 'none' : String(status),
          };
          upstreamCalls.inc(labels);
          upstreamDuration.observe(labels, (performance.now() - startedAt) / 1000);
        },
      };
    },
  };
}
