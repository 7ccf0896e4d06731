/** Two tenants, two tokens, one gateway: neither sees the other's jobs, datasets or files. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, OTHER, startStack, type Stack } from '../harness/stack.js';
import type { Credentials } from '../../src/upstream/types.js';

let stack: Stack;
const own: Record<string, { datasetId: string; fileId: string; jobId: string }> = {};

beforeAll(async () => {
  stack = await startStack({ simulator: { jobSeconds: 3600 } });
  for (const [name, creds] of [
    ['demo', DEMO],
    ['other', OTHER],
  ] as const) {
    const { datasetId, fileId } = await seedDataset(stack, creds, `${name}-data`);
    const job = await stack.client.createJob(creds, {
      name: `${name}-job`,
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    own[name] = { datasetId, fileId, jobId: job.id };
  }
});
afterAll(() => stack.close());

const BY_ID = `query($job: ID!, $dataset: ID!, $file: ID!) {
  job(id: $job) { id name }
  dataset(id: $dataset) { id name }
  file(id: $file) { id name }
}`;

describe('tenant isolation', () => {
  it('an id of another organization is null with NOT_FOUND, like an id that does not exist', async () => {
    const theirs = own.other!;
    const res = await stack.gql(BY_ID, { job: theirs.jobId, dataset: theirs.datasetId, file: theirs.fileId }, DEMO);
    expect(res.data).toEqual({ job: null, dataset: null, file: null });
    expect(res.errors?.map((e) => [e.path?.[0], e.extensions?.code])).toEqual([
      ['job', 'NOT_FOUND'],
      ['dataset', 'NOT_FOUND'],
      ['file', 'NOT_FOUND'],
    ]);
    const missing = await stack.gql(BY_ID, { job: 'job-nope', dataset: 'ds-nope', file: 'file-nope' }, DEMO);
    expect(missing.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
    // Same codes, and no message names the other organization or its resources.
    for (const error of res.errors ?? []) expect(error.message).not.toMatch(/other/);
  });

  it("lists show only the caller's own jobs and datasets, under 50 concurrent mixed requests", async () => {
    const LIST = `{ jobs(first: 50) { totalCount edges { node { id name dataset { name } } } } datasets { id name } }`;
    const callers: Array<[string, Credentials]> = Array.from({ length: 50 }, (_, i) =>
      i % 2 ? ['demo', DEMO] : ['other', OTHER],
    );
    const results = await Promise.all(callers.map(([, creds]) => stack.gql(LIST, {}, creds)));
    results.forEach((res, i) => {
      const [name] = callers[i]!;
      expect(res.errors).toBeUndefined();
      expect(res.data?.jobs.totalCount).toBe(1);
      expect(res.data?.jobs.edges.map((e: any) => e.node.name)).toEqual([`${name}-job`]);
      expect(res.data?.jobs.edges[0].node.dataset.name).toBe(`${name}-data`);
      expect(res.data?.datasets.map((d: any) => d.name)).toEqual([`${name}-data`]);
    });
  });

  it('a token for one organization used with another organization id is FORBIDDEN', async () => {
    const res = await stack.gql(`{ datasets { id } }`, {}, { token: 'demo-token', organizationId: 'other-org' });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
