/** Upstream requests a query costs, counted by the simulator: no N+1, no duplicates. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, QWEN_SMALL, seedDataset } from '../harness/fixtures.js';
import { DEMO, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

let stack: Stack;
const datasetIds: string[] = [];

beforeAll(async () => {
  // The response cache off: this spec asks the same queries again and counts what reaches the upstream.
  stack = await startStack({ simulator: { jobSeconds: 3600 }, gateway: { responseCache: null } });
  for (const name of ['alpha', 'beta', 'gamma']) datasetIds.push((await seedDataset(stack, DEMO, name)).datasetId);
  // 24 jobs over 3 datasets and 2 base models.
  for (let i = 0; i < 24; i++) {
    await stack.client.createJob(DEMO, {
      name: `job ${i}`,
      baseModelId: i % 2 ? LLAMA_INSTRUCT : QWEN_SMALL,
      dataset: { id: datasetIds[i % 3]!, promptColumn: 'question', answerColumn: 'answer' },
    });
  }
});
afterAll(() => stack.close());
beforeEach(() => stack.simulator.resetStats());

describe('batching', () => {
  it('a page of 20 jobs with base model and dataset costs one page, one catalogue and one list of datasets', async () => {
    const res = await stack.gql(
      `{ jobs(first: 20) { totalCount edges { node { id baseModel { name } dataset { name } } } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.jobs.totalCount).toBe(24);
    expect(res.data?.jobs.edges).toHaveLength(20);
    expect(stack.calls()).toEqual({ 'GET /jobs': 1, 'GET /base-models': 1, 'GET /datasets': 1 });
  });

  it('the same job asked for twice in one operation is fetched once', async () => {
    const { jobs } = await stack.client.listJobs(DEMO, { limit: 1 });
    const id = jobs[0]!.id;
    stack.simulator.resetStats();
    const res = await stack.gql(
      `query($id: ID!) { a: job(id: $id) { name metrics { trainingSteps } } b: job(id: $id) { status metrics { latest { step } } } }`,
      { id },
    );
    expect(res.errors).toBeUndefined();
    expect(stack.calls()).toEqual({ 'GET /jobs/{id}': 1, 'GET /jobs/{id}/metrics': 1 });
  });

  it.each([
    [60_000, 1],
    [0, 3],
  ])(
    'with a catalogue cache of %i ms, three requests of one caller fetch the catalogue %i time(s)',
    async (ttl, expected) => {
      const fresh = await startStack({ gateway: { baseModelCacheMs: ttl, responseCache: null } });
      try {
        await fresh.gql(`{ baseModels { id } }`);
        await fresh.gql(`{ baseModels { id } }`);
        await fresh.gql(`query($id: ID!) { baseModel(id: $id) { name } }`, { id: LLAMA_INSTRUCT });
        expect(fresh.calls()).toEqual({ 'GET /base-models': expected });
      } finally {
        await fresh.close();
      }
    },
  );

  it('pages through the jobs with first/after, and refuses a cursor that is not one', async () => {
    const PAGE = `query($after: String) { jobs(first: 10, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    const pages: Array<{ hasNextPage: boolean; hasPreviousPage: boolean }> = [];
    do {
      const res: GraphQLResponse = await stack.gql(PAGE, { after });
      expect(res.errors).toBeUndefined();
      seen.push(...(res.data?.jobs.edges.map((e: any) => e.node.id) ?? []));
      pages.push({
        hasNextPage: res.data?.jobs.pageInfo.hasNextPage,
        hasPreviousPage: res.data?.jobs.pageInfo.hasPreviousPage,
      });
      after = res.data?.jobs.pageInfo.hasNextPage ? res.data.jobs.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(24);
    expect(new Set(seen).size).toBe(24);
    expect(pages).toEqual([
      { hasNextPage: true, hasPreviousPage: false },
      { hasNextPage: true, hasPreviousPage: true },
      { hasNextPage: false, hasPreviousPage: true },
    ]);

    for (const bad of ['garbage', 'T2Zmc2V0Q29ubmVjdGlvbjotNQ==']) {
      const res = await stack.gql(PAGE, { after: bad });
      expect(res.errors?.[0]).toMatchObject({
        message: `after: ${JSON.stringify(bad)} is not a cursor of this connection (use a page's endCursor)`,
        extensions: { code: 'BAD_USER_INPUT', field: 'after' },
      });
    }
    const tooMany = await stack.gql('{ jobs(first: 500) { totalCount } }');
    expect(tooMany.errors?.[0]?.message).toBe('first: 500 is not an integer from 1 to 100');
  });

  it('datasets and their files: one list and one request per distinct file', async () => {
    const res = await stack.gql(`{ datasets { name trainingFile { name columns { name } } validationFile { name } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data?.datasets).toHaveLength(3);
    expect(stack.calls()).toEqual({ 'GET /datasets': 1, 'GET /files/{id}': 3 });
  });
});
