/**
 * Regression (issue 8, item 5): input errors were not alike. `createJob` returns every problem at
 * once, camelCase, with `extensions.field`; `createDataset` and `exportJobToHuggingFace` passed the
 * upstream's first complaint through, in snake_case, without `extensions.field`. Now the gateway
 * checks them too (the Hugging Face token and repository formats, file ids by length and characters),
 * every problem at once, before any upstream call, never quoting a token.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.simulator.resetStats());

const DATASET = 'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }';
const EXPORT = 'mutation($i: ExportJobToHuggingFaceInput!) { exportJobToHuggingFace(input: $i) { id } }';
const GOOD_TOKEN = `hf_${'a1B2'.repeat(9)}`;

const fields = (res: { errors?: Array<{ extensions?: Record<string, any> }> }) =>
  res.errors?.map((e) => e.extensions?.field);

describe('createDataset', () => {
  it('reports every problem at once, camelCase, with extensions.field, and calls nothing upstream', async () => {
    const res = await stack.gql(DATASET, { i: { name: '  ', trainingFileId: '', validationFileId: 'file 2' } });
    expect(res.data).toBeNull();
    expect(fields(res)).toEqual(['name', 'trainingFileId', 'validationFileId']);
    for (const error of res.errors ?? []) {
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(error.message.startsWith(`${error.extensions?.field}: `)).toBe(true);
    }
    expect(stack.calls()).toEqual({});
  });

  it('an unknown file id, which only the upstream knows, comes back camelCase with extensions.field', async () => {
    const res = await stack.gql(DATASET, { i: { name: 'qa', trainingFileId: 'file-nope' } });
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^trainingFileId: /),
        extensions: { code: 'BAD_USER_INPUT', field: 'trainingFileId' },
      }),
    ]);
    expect(stack.calls()).toEqual({ 'POST /datasets': 1 });
  });
});

describe('exportJobToHuggingFace', () => {
  it('reports every problem at once, never quoting the token, and calls nothing upstream', async () => {
    const token = 'not-a-hf-token-"quoted"';
    const res = await stack.gql(EXPORT, {
      i: { jobId: 'job-1', userId: 'bad name!', accessToken: token, repositoryId: 'no-slash' },
    });
    expect(fields(res)).toEqual(['userId', 'accessToken', 'repositoryId']);
    expect(res.errors?.every((e) => e.extensions?.code === 'BAD_USER_INPUT')).toBe(true);
    expect(JSON.stringify(res)).not.toContain('not-a-hf-token');
    expect(stack.calls()).toEqual({});
  });

  it.each([
    ['me/adapter--x', 'repositoryId'],
    ['me/adapter.git', 'repositoryId'],
    ['me/a/b', 'repositoryId'],
    ['-me/adapter', 'repositoryId'],
  ])('refuses the repository %s', async (repositoryId, field) => {
    const res = await stack.gql(EXPORT, { i: { jobId: 'job-1', userId: 'me', accessToken: GOOD_TOKEN, repositoryId } });
    expect(fields(res)).toEqual([field]);
    expect(stack.calls()).toEqual({});
  });

  it('a well-formed export reaches the upstream, whose own refusal still names the field', async () => {
    const res = await stack.gql(EXPORT, {
      i: { jobId: 'job-1', userId: 'me', accessToken: GOOD_TOKEN, repositoryId: 'me/adapter' },
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect(stack.calls()).toEqual({ 'POST /jobs/{id}/exports/hugging-face': 1 });
  });
});
