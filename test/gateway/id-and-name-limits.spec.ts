/**
 * Regression: ids of 100,000 characters were sent upstream, whose 431 came back as UPSTREAM_ERROR.
 * Every id or name argument, of every query, mutation and subscription, is refused over 256
 * characters or with a control character: BAD_USER_INPUT naming the field, before any upstream call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT } from '../harness/fixtures.js';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.simulator.resetStats());

const LONG = 'x'.repeat(100_000);
const CONTROL = 'job-\u0000-1';
const job = (over: Record<string, unknown> = {}) => ({
  name: 'ok',
  baseModelId: LLAMA_INSTRUCT,
  dataset: { id: 'ds-1', answerColumn: 'answer' },
  ...over,
});
const exportInput = (over: Record<string, unknown> = {}) => ({
  jobId: 'job-1',
  userId: 'me',
  accessToken: 'hf_secret',
  repositoryId: 'me/repo',
  ...over,
});

/** [document, variables, the field that must be named] for each argument that is an id or a name. */
const cases = (bad: string): Array<[string, Record<string, unknown>, string]> => [
  ['query($v: ID!) { baseModel(id: $v) { id } }', { v: bad }, 'id'],
  ['query($v: ID!) { dataset(id: $v) { id } }', { v: bad }, 'id'],
  ['query($v: ID!) { file(id: $v) { id } }', { v: bad }, 'id'],
  ['query($v: ID!) { job(id: $v) { id } }', { v: bad }, 'id'],
  ['query($i: CreateJobInput!) { costEstimate(input: $i) { cost } }', { i: job({ baseModelId: bad }) }, 'baseModelId'],
  ['mutation($v: ID!) { cancelJob(id: $v) { id } }', { v: bad }, 'id'],
  ['mutation($v: ID!) { deleteDataset(id: $v) }', { v: bad }, 'id'],
  ['mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', { i: job({ name: bad }) }, 'name'],
  [
    'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }',
    { i: job({ dataset: { id: bad, answerColumn: 'answer' } }) },
    'dataset.id',
  ],
  [
    'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }',
    { i: { name: bad, trainingFileId: 'file-1' } },
    'name',
  ],
  [
    'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }',
    { i: { name: 'ok', trainingFileId: bad } },
    'trainingFileId',
  ],
  [
    'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }',
    { i: { name: 'ok', trainingFileId: 'file-1', validationFileId: bad } },
    'validationFileId',
  ],
  [
    'mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }',
    { i: exportInput({ jobId: bad }) },
    'jobId',
  ],
  [
    'mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }',
    { i: exportInput({ repositoryId: bad }) },
    'repositoryId',
  ],
];

describe('ids and names', () => {
  for (const [what, bad] of [
    ['over 256 characters', LONG],
    ['holding a control character', CONTROL],
  ] as const) {
    it(`${what} are BAD_USER_INPUT naming the field, with no upstream call`, async () => {
      for (const [query, variables, field] of cases(bad)) {
        const res = await stack.gql(query, variables);
        expect(res.errors?.[0]?.extensions, query).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(res.errors?.[0]?.message.length).toBeLessThan(300);
      }
      expect(stack.calls()).toEqual({});
    });
  }

  it('a subscription argument too', async () => {
    const sub = subscribeSse(
      async (url, init) => stack.gateway.yoga.fetch(url, init),
      'http://gateway.test',
      'subscription($v: ID!) { jobUpdated(id: $v) { id } }',
      { v: LONG },
      DEMO,
    );
    await sub.done;
    expect(sub.events[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(stack.calls()).toEqual({});
  });

  it('256 characters are still fine (sent, and not found)', async () => {
    const res = await stack.gql('query($v: ID!) { job(id: $v) { id } }', { v: 'j'.repeat(256) });
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
