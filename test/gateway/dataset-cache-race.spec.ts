/**
 * A dataset deleted through the gateway is gone from the caller's job pages at once, even when a
 * `datasets` list the caller asked for earlier comes back after the deletion: that list was read
 * before the deletion, and keeping it would show the deleted dataset's name on every page for the
 * datasets cache's whole TTL. The list's answer is held at a proxy (read from the simulator before
 * the deletion, delivered after it), so the order is forced, not timed.
 */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../../src/upstream/client.js';
import type { Credentials } from '../../src/upstream/types.js';
import { gatewayOnClient } from '../harness/gateway-on-client.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { startSimulatorProxy, type SimulatorProxy } from '../harness/simulator-proxy.js';
import { DEMO, headersFor, type GraphQLResponse } from '../harness/stack.js';

let simulator: Simulator;
let proxy: SimulatorProxy;
let client: ClosableUpstreamClient;
let gateway: Gateway;
let closeGateway: () => Promise<void>;

/** While armed, the next `GET /datasets` is answered by the simulator at once and delivered on `release`. */
let held: { answered: Promise<void>; release: () => void } | undefined;

function holdAnswer(req: IncomingMessage, res: ServerResponse, simulatorOrigin: URL): void {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let answered!: () => void;
  held = { answered: new Promise<void>((resolve) => (answered = resolve)), release };
  const upstream = request(
    {
      host: simulatorOrigin.hostname,
      port: simulatorOrigin.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    async (answer) => {
      const chunks: Buffer[] = [];
      for await (const chunk of answer) chunks.push(chunk as Buffer);
      answered();
      await released;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.end(Buffer.concat(chunks));
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

let armed = false;

async function gql(query: string, variables?: Record<string, unknown>, creds: Credentials = DEMO) {
  const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headersFor(creds) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse;
}

beforeAll(async () => {
  simulator = await startSimulator({ port: 0, jobSeconds: 3600 });
  const origin = new URL(simulator.origin);
  proxy = await startSimulatorProxy(simulator.origin, (req, res, forward) => {
    if (armed && req.method === 'GET' && /\/datasets$/.test(req.url ?? '')) {
      armed = false;
      holdAnswer(req, res, origin);
    } else forward(req, res);
  });
  client = createUpstreamClient({ baseUrl: proxy.apiBaseUrl, deadlineMs: 30_000 });
  // The response cache off: what is read here is the datasets cache's, not whole answers.
  const composed = await gatewayOnClient(client, { env: { RESPONSE_CACHE_ENABLED: 'false' } });
  gateway = composed.gateway;
  closeGateway = composed.close;
});
afterAll(async () => {
  await closeGateway();
  await client.close();
  await proxy.close();
  await simulator.close();
});

describe('datasets cache and a deletion while a list is on its way', () => {
  it('a list read before the deletion and answered after it does not bring the deleted dataset back', async () => {
    const { datasetId } = await seedDataset({ client }, DEMO, 'doomed');
    const job = await client.createJob(DEMO, {
      name: 'uses doomed',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    const PAGE = `{ jobs(first: 20) { edges { node { id dataset { name } } } } }`;
    const nameOnPage = async () => {
      const page = await gql(PAGE);
      expect(page.errors).toBeUndefined();
      return page.data?.jobs.edges.find((e: any) => e.node.id === job.id).node.dataset?.name ?? null;
    };

    armed = true;
    const list = gql(`{ datasets { id name } }`);
    await new Promise<void>((resolve) => {
      const wait = () => (held ? void held.answered.then(resolve) : setTimeout(wait, 5));
      wait();
    });
    // The simulator has answered the list (with the dataset); the gateway has not read it yet.
    const deleted = await gql(`mutation($id: ID!) { deleteDataset(id: $id) }`, { id: datasetId });
    expect(deleted.errors).toBeUndefined();
    held!.release();
    const listed = await list;
    expect(listed.data?.datasets.map((d: any) => d.name)).toContain('doomed'); // what it read, before

    simulator.resetStats();
    expect(await nameOnPage()).toBeNull();
    // The page read the list again rather than the one begun before the deletion.
    expect(simulator.stats()['GET /datasets']).toBe(1);
  });
});
