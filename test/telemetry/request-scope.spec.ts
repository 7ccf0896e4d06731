/**
 * Request ids are passed explicitly (src/telemetry/request-scope.ts), never through AsyncLocalStorage:
 * requests in flight together never lend each other their ids, a WebSocket operation's upstream calls
 * carry its connection's id, an internal error is logged with the id of the request it happened in,
 * and serving plain queries enters no AsyncLocalStorage at all.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { gatewayOnClient } from '../harness/gateway-on-client.js';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { ComposedGateway } from '../../src/server/compose-gateway.js';
import type { RunningServer } from '../../src/server/http.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { requestIdToUpstream } from '../../src/telemetry/request-scope.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../../src/upstream/client.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { startGatedUpstream, type GatedUpstream } from '../harness/gated-upstream.js';
import { DEMO, headersFor } from '../harness/stack.js';
import { subscribeWs } from '../harness/ws.js';

let simulator: Simulator;
let proxy: GatedUpstream;
let client: ClosableUpstreamClient;
let composed: ComposedGateway;
let server: RunningServer;
const lines: Array<Record<string, unknown>> = [];
/** When set, `datasets` fails with a TypeError: a bug, masked for the client and logged. */
let datasetsBroken = false;

beforeAll(async () => {
  simulator = await startSimulator({ port: 0, jobSeconds: 3600 });
  proxy = await startGatedUpstream(simulator.origin);
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  client = createUpstreamClient({
    baseUrl: proxy.apiBaseUrl,
    observer: requestIdToUpstream,
    logger: logger.child({ component: 'upstream' }),
    retry: { maxAttempts: 1 },
  });
  const listDatasets: typeof client.listDatasets = (creds, opts) =>
    datasetsBroken ? Promise.reject(new TypeError('kaput')) : client.listDatasets(creds, opts);
  composed = await gatewayOnClient(
    { ...client, listDatasets },
    // No cache of any kind: this spec asks the same queries again and follows each to the upstream.
    {
      logger,
      env: { BASE_MODEL_CACHE_SECONDS: '0', DATASET_CACHE_SECONDS: '0', RESPONSE_CACHE_ENABLED: 'false' },
      listen: {},
    },
  );
  server = composed.server!;
});
afterAll(async () => {
  await composed.close();
  await client.close();
  await proxy.close();
  await simulator.close();
});
beforeEach(() => {
  simulator.resetStats();
  datasetsBroken = false;
});

const post = async (requestId: string, query: string) => {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headersFor(DEMO) },
    body: JSON.stringify({ query }),
  });
  return {
    id: response.headers.get('x-request-id'),
    body: (await response.json()) as { errors?: Array<{ extensions: { code: string } }> },
  };
};

/** A graphql-ws client whose upgrade request sends `X-Request-Id: requestId`. */
function createWsClient(requestId: string): Client {
  class WithId extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { 'x-request-id': requestId } });
    }
  }
  return createClient({
    url: `${server.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WithId,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${DEMO.token}`, organizationId: DEMO.organizationId },
  });
}

describe('explicit request scopes', () => {
  it('gives each of three requests in flight together its own id on its own upstream calls', async () => {
    // Held until all three calls have arrived: the requests are interleaved, not one after another.
    proxy.hold(/^GET \/api\/v1\/organizations\/[^/]+\/(base-models|datasets|jobs)\b/, 3);
    const answers = await Promise.all([
      post('pair-a', '{ baseModels { id } }'),
      post('pair-b', '{ datasets { id } }'),
      post('pair-c', '{ jobs { totalCount } }'),
    ]);
    expect(answers.map((a) => a.id)).toEqual(['pair-a', 'pair-b', 'pair-c']);
    expect(answers.every((a) => a.body.errors === undefined)).toBe(true);
    const received = simulator
      .recentRequests()
      .map((r) => `${r.route} ${r.requestId}`)
      .sort();
    expect(received).toEqual(['GET /base-models pair-a', 'GET /datasets pair-b', 'GET /jobs pair-c']);
  });

  it('enters no AsyncLocalStorage while serving queries over HTTP', async () => {
    const run = vi.spyOn(AsyncLocalStorage.prototype, 'run');
    const enterWith = vi.spyOn(AsyncLocalStorage.prototype, 'enterWith');
    try {
      await Promise.all([post('als-a', '{ baseModels { id } }'), post('als-b', '{ jobs { totalCount } }')]);
      expect(run).not.toHaveBeenCalled();
      expect(enterWith).not.toHaveBeenCalled();
    } finally {
      run.mockRestore();
      enterWith.mockRestore();
    }
    expect(
      simulator
        .recentRequests()
        .map((r) => r.requestId)
        .sort(),
    ).toEqual(['als-a', 'als-b']);
  });

  it('logs an internal error with the id of its request', async () => {
    datasetsBroken = true;
    const { body } = await post('broken-http', '{ datasets { id } }');
    expect(body.errors?.[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    const logged = lines.filter((l) => l.msg === 'internal error (masked for the client)');
    expect(logged.filter((l) => l.requestId === 'broken-http')).toHaveLength(1);
    expect(logged.every((l) => l.requestId !== undefined)).toBe(true);
  });

  it("over WebSocket: queries, subscriptions and their polls carry the connection's id, internal errors are logged with it", async () => {
    const { datasetId } = await seedDataset({ client }, DEMO);
    const job = await client.createJob(DEMO, {
      name: 'ws-id',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    simulator.resetStats();
    const ws = createWsClient('ws-conn-1');
    try {
      const query = subscribeWs(ws, '{ baseModels { id } }', {});
      await query.done;
      expect(query.events[0]?.errors).toBeUndefined();

      const watch = subscribeWs(ws, 'subscription($id: ID!) { jobUpdated(id: $id) { id status } }', { id: job.id });
      await vi.waitFor(() =>
        expect(simulator.recentRequests().filter((r) => r.route === 'GET /jobs/{id}').length).toBeGreaterThanOrEqual(3),
      );
      watch.unsubscribe();

      datasetsBroken = true;
      const broken = subscribeWs(ws, '{ datasets { id } }', {});
      await broken.done;
      expect(broken.events[0]?.errors?.[0]?.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await ws.dispose();
    }
    const received = simulator.recentRequests();
    expect(received.map((r) => r.route)).toContain('GET /base-models');
    expect(received.every((r) => r.requestId === 'ws-conn-1')).toBe(true);
    expect(
      lines.filter((l) => l.msg === 'internal error (masked for the client)' && l.requestId === 'ws-conn-1'),
    ).toHaveLength(1);
  });
});
