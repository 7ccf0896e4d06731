/**
 * A simulator and a gateway wired together for a test, on port 0, disposed afterwards. Most tests run
 * in-process through `yoga.fetch`; `http: true` also starts the real HTTP/WebSocket server.
 */
import { pino } from 'pino';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/server/gateway.js';
import { startHttpServer, type RunningServer } from '../../src/server/http.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { createLiveUpdates, type LiveUpdates, type LiveUpdatesOptions } from '../../src/live/hub.js';
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
  client: ClosableUpstreamClient;
  gateway: Gateway;
  live: LiveUpdates;
  server: RunningServer | null;
  /** Runs one operation in-process (through yoga.fetch) as `creds` (none: no credential headers). */
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    creds?: Credentials | null,
  ): Promise<GraphQLResponse<T>>;
  /** Request counts of the simulator since the last `resetStats`, only the non-zero ones. */
  calls(): Record<string, number>;
  close(): Promise<void>;
}

export interface StackOptions {
  simulator?: SimulatorOptions;
  /**
   * Runs on this simulator instead of starting one (two gateway instances on one upstream); `close()`
   * leaves it running for its owner. `simulator` options are then ignored.
   */
  sharedSimulator?: Simulator;
  gateway?: Partial<Omit<GatewayOptions, 'client' | 'logger'>>;
  /** Options of the live-updates hub; its intervals default to 50 ms here. */
  live?: Partial<Omit<LiveUpdatesOptions, 'client'>>;
  http?: boolean;
  /** Options of the upstream client, over the harness's (5 s deadline, fast retries). */
  client?: Partial<Omit<UpstreamClientOptions, 'baseUrl'>>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const simulator = options.sharedSimulator ?? (await startSimulator({ port: 0, jobSeconds: 2, ...options.simulator }));
  // The simulator's first job for a model loads that model's tokenizer (a second or more of CPU, far
  // more on a loaded test machine): a deadline that tight would fail the creation, not test it.
  const client = createUpstreamClient({
    baseUrl: simulator.apiBaseUrl,
    deadlineMs: 30_000,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...options.client,
  });
  const live = createLiveUpdates({
    client,
    ...options.live,
    intervals: { runningMs: 50, queuedMs: 50, listMs: 50, maxBackoffMs: 200, ...options.live?.intervals },
  });
  const gateway = createGateway({
    client,
    live,
    fallbackCredentials: null,
    logger: pino({ level: 'silent' }),
    ...options.gateway,
  });
  const server = options.http ? await startHttpServer(gateway, { port: 0, host: '127.0.0.1' }) : null;

  return {
    simulator,
    client,
    gateway,
    live,
    server,
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
    calls() {
      return Object.fromEntries(Object.entries(simulator.stats()).filter(([, n]) => n > 0));
    },
    async close() {
      await live.close();
      await server?.close();
      await client.close();
      if (!options.sharedSimulator) await simulator.close();
    },
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
