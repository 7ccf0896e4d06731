/**
 * Tenant and provider isolation under concurrency (issue 19): two tenants on each provider, all four
 * at once. Each caller sees its own job alone, on its own provider; an id of another tenant is
 * NOT_FOUND and an id of the other provider BAD_USER_INPUT; and each simulator's statistics count
 * exactly the calls of its own provider's callers (none of the other's reached it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, OTHER, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';
import { gatewayUpload } from '../harness/together-job.js';

const CSV = ['prompt,answer', '"What is LoRA?","Low-rank adaptation."', '"What is an epoch?","A full pass."'].join(
  '\n',
);
const TOGETHER_MODEL = 'meta-llama/Llama-3.2-3B-Instruct';

interface Caller {
  name: string;
  provider: 'NSCALE' | 'TOGETHER';
  headers: Record<string, string>;
  jobId?: string;
}

const CALLERS: Caller[] = [
  { name: 'nscale-demo', provider: 'NSCALE', headers: headersFor(DEMO) },
  { name: 'nscale-other', provider: 'NSCALE', headers: headersFor(OTHER) },
  {
    name: 'together-demo',
    provider: 'TOGETHER',
    headers: { authorization: 'Bearer demo-token', 'x-provider': 'together' },
  },
  {
    name: 'together-other',
    provider: 'TOGETHER',
    headers: { authorization: 'Bearer other-token', 'x-provider': 'together' },
  },
];

let stack: Stack;

async function gql(headers: Record<string, string>, query: string, variables?: object): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse;
}

async function togetherJob(caller: Caller): Promise<string> {
  const file = new File([CSV], `${caller.name}.csv`, { type: 'text/csv' });
  const uploaded = await gatewayUpload(stack.gateway, file, { headers: caller.headers });
  const fileId = uploaded.data?.uploadFile.id as string;
  const input = {
    name: caller.name,
    baseModelId: TOGETHER_MODEL,
    files: { trainingFileId: fileId },
    hyperparameters: { batchSize: 8 },
  };
  const created = await gql(caller.headers, 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', {
    i: input,
  });
  return created.data?.createJob.id as string;
}

beforeAll(async () => {
  // Jobs that stay in flight: the lists hold the same jobs throughout.
  stack = await startStack({ env: { SIMULATOR_JOB_SECONDS: '3600' } });
  for (const [caller, creds] of [
    [CALLERS[0]!, DEMO],
    [CALLERS[1]!, OTHER],
  ] as const) {
    const { datasetId } = await seedDataset(stack, creds, caller.name);
    const job = await stack.client.createJob(creds, {
      name: caller.name,
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    caller.jobId = job.id;
  }
  for (const caller of CALLERS.slice(2)) caller.jobId = await togetherJob(caller);
});
afterAll(() => stack.close());

const LIST = '{ jobs(first: 50) { totalCount edges { node { id name provider } } } }';
const ONE = 'query($id: ID!) { job(id: $id) { id name } }';

describe('callers of both providers at once', () => {
  it('each sees its own job alone, on its own provider, and reaches only its own provider: 0 leaks', async () => {
    stack.simulator.resetStats();
    stack.togetherSimulator!.resetStats();
    const rounds = Array.from({ length: 60 }, (_, i) => CALLERS[i % CALLERS.length]!);
    const results = await Promise.all(rounds.map((caller) => gql(caller.headers, LIST)));
    let leaks = 0;
    results.forEach((res, i) => {
      const caller = rounds[i]!;
      expect(res.errors).toBeUndefined();
      const nodes = res.data?.jobs.edges.map((e: { node: object }) => e.node) ?? [];
      leaks += nodes.filter((n: { id: string }) => n.id !== caller.jobId).length;
      // A Together job's name is the model it makes, which holds the suffix it was created with.
      expect(nodes).toEqual([
        { id: caller.jobId, name: expect.stringContaining(caller.name), provider: caller.provider },
      ]);
    });
    expect(leaks).toBe(0);
    const perProvider = (provider: Caller['provider']) => rounds.filter((c) => c.provider === provider).length;
    // Nothing but the lists, each on its own provider's simulator, once per request.
    expect(stack.calls()).toEqual({ 'GET /jobs': perProvider('NSCALE') });
    expect(Object.entries(stack.togetherSimulator!.stats()).filter(([, n]) => n > 0)).toEqual([
      ['GET /fine-tunes', perProvider('TOGETHER')],
    ]);
  });

  it('an id of another tenant is NOT_FOUND, of the other provider BAD_USER_INPUT before any call', async () => {
    stack.simulator.resetStats();
    stack.togetherSimulator!.resetStats();
    const asks = CALLERS.flatMap((caller) => CALLERS.filter((c) => c !== caller).map((owner) => ({ caller, owner })));
    const results = await Promise.all(asks.map(({ caller, owner }) => gql(caller.headers, ONE, { id: owner.jobId })));
    results.forEach((res, i) => {
      const { caller, owner } = asks[i]!;
      expect(res.data?.job ?? null).toBeNull();
      const expected = caller.provider === owner.provider ? 'NOT_FOUND' : 'BAD_USER_INPUT';
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual([expected]);
      for (const error of res.errors ?? []) expect(error.message).not.toContain(owner.name);
    });
    const sameProvider = (provider: Caller['provider']) =>
      asks.filter(({ caller, owner }) => caller.provider === provider && owner.provider === provider).length;
    // Only same-provider asks reached an upstream (each provider's own), answered 404 there.
    expect(stack.calls()).toEqual({ 'GET /jobs/{id}': sameProvider('NSCALE') });
    const together = Object.values(stack.togetherSimulator!.stats()).reduce((a, b) => a + b, 0);
    expect(together).toBe(sameProvider('TOGETHER'));
  });
});
