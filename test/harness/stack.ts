/**
 * A simulator and a gateway wired together for a test, on port 0, disposed afterwards. Most tests run
 * in-process through `yoga.fetch`; `http: true` also starts the real HTTP/WebSocket server.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadConfig, type Settings } from '../../src/config.js';
import type { LiveUpdates, LiveUpdatesOptions } from '../../src/live/hub.js';
import type { TokenPool } from '../../src/preflight/token-pool.js';
import { composeGateway, type GatewayDeps } from '../../src/server/compose-gateway.js';
import type { Gateway } from '../../src/server/gateway.js';
import type { RunningServer } from '../../src/server/http.js';
import type { RunningMetricsServer } from '../../src/server/metrics-server.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.js';
import {
  createUpstreamClient,
  type ClosableUpstreamClient,
  type UpstreamClientOptions,
} from '../../src/upstream/client.js';
import type { Credentials } from '../../src/upstream/types.js';

export const DEMO: Credentials = { token: 'demo-token', organizationId: 'demo-org' };
export const OTHER: Credentials = { token: 'other-token', organizationId: 'other-org' };

export function headersFor(creds: Credentials): Record<string, string> {
  return { authorization: `Bearer ${creds.token}`, 'x-organization-id': creds.organizationId };
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
}

export interface Stack {
  simulator: Simulator;
  /** The embedded Together simulator (null when the stack runs on a shared Nscale simulator). */
  togetherSimulator: Simulator | null;
  client: ClosableUpstreamClient;
  gateway: Gateway;
  live: LiveUpdates;
  server: RunningServer | null;
  /** The metrics listener, when the stack listens (`http: true`) and has metrics. */
  metricsServer: RunningMetricsServer | null;
  /** Runs one operation in-process (through yoga.fetch) as `creds` (none: no credential headers). */
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    creds?: Credentials | null,
  ): Promise<GraphQLResponse<T>>;
  /** Request counts of the simulator since the last `resetStats`, only the non-zero ones. */
  calls(): Record<string, number>;
  /** The same of the embedded Together simulator (none when the stack has none). */
  togetherCalls(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * The harness's environment, over the settings' defaults: loopback on port 0, silent, 2 s jobs, polls
 * every 50 ms, a deadline that allows for a loaded machine. The circuit breaker is off: specs count
 * the upstream calls their faults cause, which an opening breaker would cut short (its own spec,
 * circuit-breaker.spec.ts, turns it on).
 */
const HARNESS_ENV: Record<string, string> = {
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  SIMULATOR_JOB_SECONDS: '2',
  POLL_INTERVAL_RUNNING_MS: '50',
  POLL_INTERVAL_QUEUED_MS: '50',
  POLL_INTERVAL_LIST_MS: '50',
  POLL_MAX_BACKOFF_MS: '200',
  // The simulator's first job for a model loads that model's tokenizer (a second or more of CPU, far
  // more on a loaded test machine): a deadline that tight would fail the creation, not test it.
  UPSTREAM_DEADLINE_MS: '30000',
  UPSTREAM_BREAKER_THRESHOLD: '0',
  // Off as in a stack without a registry: specs that read metrics bring their own (without process metrics).
  METRICS_ENABLED: 'false',
  // A stack that brings its own metrics and listens serves them on a free port, not 9464.
  METRICS_PORT: '0',
  // Never the checkout's own .data (a developer's embedded database): a folder of this test process,
  // made only if a spec uses webhooks without bringing its own store.
  DATA_DIR: join(tmpdir(), `ftgw-harness-${process.pid}`),
};

/** Settings a spec sets directly, and parts it builds itself (handed to the composition root as built). */
export interface GatewayOverrides {
  /** @default null: callers must bring credentials (the embedded simulator's demo fallback is off here) */
  fallbackCredentials?: Credentials | null;
  /** Together's default key (null: Together callers must bring theirs). @default the embedded simulator's demo key */
  togetherFallbackToken?: string | null;
  allowedHosts?: string[];
  corsOrigins?: string[];
  operationLimits?: Partial<Settings['operationLimits']>;
  switches?: Partial<Settings['switches']>;
  maxUploadBytes?: number;
  maxAnalyzeBytes?: number;
  baseModelCacheMs?: number;
  datasetCacheMs?: number;
  /** The response cache's settings (null: off), over RESPONSE_CACHE_* of the environment. */
  responseCache?: Settings['responseCache'];
  tokenPool?: TokenPool;
  now?: () => number;
  dashboardDir?: string;
  metrics?: NonNullable<GatewayDeps['prebuilt']>['metrics'];
  tracing?: NonNullable<GatewayDeps['prebuilt']>['tracing'];
  rateLimit?: NonNullable<GatewayDeps['prebuilt']>['rateLimit'];
  apqStore?: NonNullable<GatewayDeps['prebuilt']>['apqStore'];
  trustedDocuments?: NonNullable<GatewayDeps['prebuilt']>['trustedDocuments'];
}

export interface StackOptions {
  simulator?: SimulatorOptions;
  /**
   * Runs on this simulator instead of starting one (two gateway instances on one upstream); `close()`
   * leaves it running for its owner. `simulator` options are then ignored.
   */
  sharedSimulator?: Simulator;
  /** Environment variables over the harness's (HARNESS_ENV), read by the settings schema. */
  env?: Record<string, string>;
  gateway?: GatewayOverrides;
  /** Options of the live-updates hub beyond the settings; its intervals default to 50 ms here. */
  live?: Partial<Omit<LiveUpdatesOptions, 'client'>>;
  http?: boolean;
  /** Options of the upstream client, over the settings' (fast retries here). */
  client?: Partial<Omit<UpstreamClientOptions, 'baseUrl'>>;
  /** Makes the Together client (a spec that watches what reaches the Together simulator). */
  togetherClient?: GatewayDeps['togetherClient'];
  /** Options of the embedded Together simulator (its clock, tenants). */
  togetherSimulator?: GatewayDeps['togetherSimulator'];
  /** Response-cache options beyond the settings: its own Redis connections and key prefix, its times-to-live. */
  responseCache?: GatewayDeps['responseCache'];
  /** The webhook store (the spec's to close); without it, the settings' database, in a scratch DATA_DIR. */
  webhookStore?: GatewayDeps['webhookStore'];
  /** Whether the stack watches and sends webhooks. @default true */
  webhookDelivery?: GatewayDeps['webhookDelivery'];
  /** The gateway's logger (a spec that reads its lines). @default a silent one */
  logger?: Logger;
}

/** The settings of a stack: the harness's environment, the spec's, then the spec's direct overrides. */
function stackSettings(options: StackOptions): Settings {
  const upstream = options.sharedSimulator ? { NSCALE_API_URL: options.sharedSimulator.apiBaseUrl } : {};
  const loaded = loadConfig({ ...HARNESS_ENV, ...upstream, ...options.env });
  const g = options.gateway ?? {};
  const pick = <K extends keyof Settings>(key: K): Partial<Pick<Settings, K>> =>
    (g as Record<string, unknown>)[key] === undefined ? {} : ({ [key]: (g as Record<string, unknown>)[key] } as never);
  return {
    ...loaded,
    fallbackCredentials: g.fallbackCredentials ?? null,
    ...(g.togetherFallbackToken !== undefined && loaded.together
      ? { together: { ...loaded.together, fallbackToken: g.togetherFallbackToken } }
      : {}),
    ...pick('allowedHosts'),
    ...pick('corsOrigins'),
    ...pick('maxUploadBytes'),
    ...pick('maxAnalyzeBytes'),
    ...pick('baseModelCacheMs'),
    ...pick('datasetCacheMs'),
    ...pick('responseCache'),
    operationLimits: { ...loaded.operationLimits, ...g.operationLimits },
    switches: { ...loaded.switches, ...g.switches },
  };
}

const nonZero = (stats: Record<string, number>) => Object.fromEntries(Object.entries(stats).filter(([, n]) => n > 0));

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const g = options.gateway ?? {};
  const composed = await composeGateway(stackSettings(options), {
    logger: options.logger ?? pino({ level: 'silent' }),
    ...(g.now ? { now: g.now } : {}),
    ...(options.simulator ? { simulator: options.simulator } : {}),
    upstreamClient: (settings) =>
      createUpstreamClient({ ...settings, retry: { baseDelayMs: 5, maxDelayMs: 20 }, ...options.client }),
    ...(options.live ? { live: options.live } : {}),
    ...(options.togetherClient ? { togetherClient: options.togetherClient } : {}),
    ...(options.togetherSimulator ? { togetherSimulator: options.togetherSimulator } : {}),
    ...(options.responseCache ? { responseCache: options.responseCache } : {}),
    ...(options.webhookStore ? { webhookStore: options.webhookStore } : {}),
    ...(options.webhookDelivery !== undefined ? { webhookDelivery: options.webhookDelivery } : {}),
    ...(g.tokenPool ? { tokenPool: g.tokenPool } : {}),
    ...(g.dashboardDir ? { dashboardDir: g.dashboardDir } : {}),
    prebuilt: Object.fromEntries(
      (['metrics', 'tracing', 'rateLimit', 'apqStore', 'trustedDocuments'] as const)
        .filter((key) => g[key] !== undefined)
        .map((key) => [key, g[key]]),
    ),
    listen: options.http ? {} : false,
  });
  const simulator = options.sharedSimulator ?? composed.simulator!;
  const { gateway, client, live, server, metricsServer } = composed;

  return {
    simulator,
    togetherSimulator: composed.togetherSimulator,
    client,
    gateway,
    live,
    server,
    metricsServer,
    async gql(query, variables, creds = DEMO) {
      const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          ...(creds ? headersFor(creds) : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, 'status'>;
      return { status: response.status, ...body } as never;
    },
    calls: () => nonZero(simulator.stats()),
    togetherCalls: () => nonZero(composed.togetherSimulator?.stats() ?? {}),
    close: () => composed.close(),
  };
}

/** Waits until `check` returns a value that is not undefined (polling every 20 ms), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
