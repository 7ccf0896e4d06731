/**
 * A page costs its designed minimum of upstream calls (issue 10): warm, the flat, base-model and
 * dataset shapes cost only the job list; cold, the list, then the catalogue and the datasets together.
 * Latest metrics cost one call per job on the page, all in flight at once. Calls are counted by the
 * simulator; "at once" is proved by a proxy that answers none of them until all have arrived.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { gatewayOnClient } from '../harness/gateway-on-client.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../../src/upstream/client.js';
import type { Credentials } from '../../src/upstream/types.js';
import { LLAMA_INSTRUCT, QWEN_SMALL, seedDataset } from '../harness/fixtures.js';
import { startGatedUpstream, type GatedUpstream } from '../harness/gated-upstream.js';
import { DEMO, OTHER, headersFor, type GraphQLResponse } from '../harness/stack.js';

let simulator: Simulator;
let proxy: GatedUpstream;
let client: ClosableUpstreamClient;
let gateway: Gateway;
let closeGateway: () => Promise<void>;
const datasetIds: Record<string, string[]> = { [DEMO.organizationId]: [], [OTHER.organizationId]: [] };

const LINKED = `{ jobs(first: 20) { totalCount edges { node { id baseModel { name } dataset { name } } } } }`;

async function gql(
  query: string,
  creds: Credentials = DEMO,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse> {
  const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headersFor(creds) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse;
}
const calls = (): Record<string, number> =>
  Object.fromEntries(Object.entries(simulator.stats()).filter(([, n]) => n > 0));

async function seedJobs(creds: Credentials, names: string[], jobs: number): Promise<void> {
  const ids = datasetIds[creds.organizationId]!;
  for (const name of names) ids.push((await seedDataset({ client }, creds, name)).datasetId);
  for (let i = 0; i < jobs; i++) {
    await client.createJob(creds, {
      name: `job ${i}`,
      baseModelId: i % 2 ? LLAMA_INSTRUCT : QWEN_SMALL,
      dataset: { id: ids[i % ids.length]!, promptColumn: 'question', answerColumn: 'answer' },
    });
  }
}

beforeAll(async () => {
  simulator = await startSimulator({ port: 0, jobSeconds: 3600 });
  proxy = await startGatedUpstream(simulator.origin);
  client = createUpstreamClient({
    baseUrl: proxy.apiBaseUrl,
    deadlineMs: 30_000,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
  });
  // The response cache off: this spec asks the same queries again and counts what reaches the upstream.
  const composed = await gatewayOnClient(client, { env: { RESPONSE_CACHE_ENABLED: 'false' } });
  gateway = composed.gateway;
  closeGateway = composed.close;
  await seedJobs(DEMO, ['alpha', 'beta', 'gamma'], 24);
  await seedJobs(OTHER, ['delta'], 2);
});
afterAll(async () => {
  await closeGateway();
  await client.close();
  await proxy.close();
  await simulator.close();
});
beforeEach(() => simulator.resetStats());

describe('dataset cache and the calls a page costs', () => {
  it('cold, a linked page costs the list, then the catalogue and the datasets in flight together; warm, the list alone', async () => {
    // Neither of the two is answered before the other has arrived.
    proxy.hold(/^GET \S*\/(base-models|datasets)$/, 2);
    const cold = await gql(LINKED);
    expect(cold.errors).toBeUndefined();
    expect(new Set(cold.data?.jobs.edges.map((e: any) => e.node.dataset.name))).toEqual(
      new Set(['alpha', 'beta', 'gamma']),
    );
    expect(calls()).toEqual({ 'GET /jobs': 1, 'GET /base-models': 1, 'GET /datasets': 1 });

    simulator.resetStats();
    for (const query of [
      LINKED,
      `{ jobs(first: 20) { edges { node { id baseModel { name } } } } }`,
      `{ jobs(first: 20) { edges { node { id name } } } }`,
    ]) {
      const warm = await gql(query);
      expect(warm.errors).toBeUndefined();
    }
    expect(calls()).toEqual({ 'GET /jobs': 3 });
  });

  it("never serves one caller's datasets to another: each caller fetches their own list, and another's id is NOT_FOUND", async () => {
    await gql(LINKED, DEMO); // warm for DEMO
    simulator.resetStats();
    const other = await gql(LINKED, OTHER);
    expect(other.errors).toBeUndefined();
    expect(other.data?.jobs.edges.map((e: any) => e.node.dataset.name)).toEqual(['delta', 'delta']);
    expect(calls()).toEqual({ 'GET /jobs': 1, 'GET /base-models': 1, 'GET /datasets': 1 });

    const theirs = datasetIds[OTHER.organizationId]![0]!;
    const res = await gql(`query($id: ID!) { dataset(id: $id) { name } }`, DEMO, { id: theirs });
    expect(res.data).toEqual({ dataset: null });
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
  });

  it('a dataset created a moment ago is fetched by id once, then served from the cache; one deleted here is gone at once, and asked for once', async () => {
    await gql(LINKED); // warm
    const { datasetId } = await seedDataset({ client }, DEMO, 'fresh');
    const job = await client.createJob(DEMO, {
      name: 'newest',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    simulator.resetStats();

    const PAGE = `{ jobs(first: 20) { edges { node { id dataset { name } } } } }`;
    const first = await gql(PAGE);
    expect(first.errors).toBeUndefined();
    expect(first.data?.jobs.edges.find((e: any) => e.node.id === job.id).node.dataset).toEqual({ name: 'fresh' });
    expect(calls()).toEqual({ 'GET /jobs': 1, 'GET /datasets/{id}': 1 });

    simulator.resetStats();
    await gql(PAGE);
    expect(calls()).toEqual({ 'GET /jobs': 1 });

    const deleted = await gql(`mutation($id: ID!) { deleteDataset(id: $id) }`, DEMO, { id: datasetId });
    expect(deleted.errors).toBeUndefined();
    simulator.resetStats();
    const after = await gql(PAGE);
    expect(after.errors).toBeUndefined();
    expect(after.data?.jobs.edges.find((e: any) => e.node.id === job.id).node.dataset).toBeNull();
    expect(calls()).toEqual({ 'GET /jobs': 1, 'GET /datasets': 1, 'GET /datasets/{id}': 1 });
    // An id that is gone stays gone: the next page does not ask for it again.
    simulator.resetStats();
    await gql(PAGE);
    expect(calls()).toEqual({ 'GET /jobs': 1 });
  });

  it('latest metrics cost one call per job on the page, all in flight at once', async () => {
    await gql(LINKED); // warm catalogue and datasets
    simulator.resetStats();
    // None of the 20 metrics calls is answered before all 20 have arrived.
    proxy.hold(/^GET \S*\/jobs\/[^/]+\/metrics$/, 20);
    const res = await gql(
      `{ jobs(first: 20) { edges { node { id baseModel { name } dataset { name } metrics { latest { step trainingLoss } } } } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.jobs.edges).toHaveLength(20);
    expect(calls()).toEqual({ 'GET /jobs': 1, 'GET /jobs/{id}/metrics': 20 });
  });
});
