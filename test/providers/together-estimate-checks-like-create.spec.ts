/**
 * `costEstimate` on Together checks its input exactly as `createJob` does (a frontend trial): a DPO job
 * on an instruction file was priced by the estimate and only refused by createJob, Together's
 * estimate-price pricing what its createJob refuses. The rows' format (Together's validation report)
 * is now checked by the gateway for both, before either reaches Together.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QA_CSV } from '../harness/fixtures.js';
import { startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SIMULATOR_JOB_SECONDS: '1' } });
});
afterAll(() => stack.close());
beforeEach(() => stack.togetherSimulator!.resetStats());

const TOGETHER = { authorization: 'Bearer demo-token', 'x-provider': 'together' };
const MODEL = 'meta-llama/Llama-3.2-3B-Instruct';
const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }';
const ESTIMATE = 'query($i: CreateJobInput!) { costEstimate(input: $i) { cost } }';
const PREFERENCE_JSONL = Array.from({ length: 20 }, (_, i) =>
  JSON.stringify({
    input: { messages: [{ role: 'user', content: `Say something kind about ${i}.` }] },
    preferred_output: [{ role: 'assistant', content: `${i} is a lovely number.` }],
    non_preferred_output: [{ role: 'assistant', content: `${i} is dull.` }],
  }),
).join('\n');

const calls = () => Object.fromEntries(Object.entries(stack.togetherSimulator!.stats()).filter(([, n]) => n > 0));

async function gql(query: string, variables: object): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...TOGETHER },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse;
}

async function uploaded(file: File, csvColumns: object | null): Promise<string> {
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query: 'mutation($file: Upload!, $c: CsvColumnsInput) { uploadFile(file: $file, csvColumns: $c) { id } }',
      variables: { file: null, c: csvColumns },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', file);
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { accept: 'application/graphql-response+json', ...TOGETHER },
    body: form,
  });
  const body = (await response.json()) as GraphQLResponse;
  expect(body.errors).toBeUndefined();
  return body.data?.uploadFile.id as string;
}

const instructionFile = () =>
  uploaded(new File([QA_CSV], 'qa.csv', { type: 'text/csv' }), { promptColumn: 'question' });
const preferenceFile = () => uploaded(new File([PREFERENCE_JSONL], 'pairs.jsonl'), null);

const job = (file: string, hyperparameters: object) => ({
  name: 'estimate-like-create',
  baseModelId: MODEL,
  files: { trainingFileId: file },
  hyperparameters: { batchSize: 8, ...hyperparameters },
});

/** The same input through costEstimate and createJob: the refusal of each, and the calls each made. */
async function bothRefusals(input: object) {
  stack.togetherSimulator!.resetStats();
  const estimate = await gql(ESTIMATE, { i: input });
  const estimateCalls = calls();
  const create = await gql(CREATE, { i: input });
  const createCalls = calls();
  const shape = (r: GraphQLResponse) => r.errors?.map((e) => ({ message: e.message, extensions: e.extensions }));
  return { estimate: shape(estimate), create: shape(create), estimateCalls, createCalls, priced: estimate.data };
}

describe('costEstimate refuses what createJob refuses, before pricing it', () => {
  it('a DPO job on an instruction file: the same refusal on files.trainingFileId, no price asked', async () => {
    const file = await instructionFile();
    const r = await bothRefusals(job(file, { dpo: { beta: 0.1 } }));
    expect(r.estimate).toEqual([
      {
        message: expect.stringMatching(
          new RegExp(
            `^files\\.trainingFileId: DPO training needs preference rows .*file ${file} holds instruction rows`,
          ),
        ),
        extensions: { code: 'BAD_USER_INPUT', field: 'files.trainingFileId' },
      },
    ]);
    expect(r.create).toEqual(r.estimate);
    expect(r.priced).toBeNull();
    expect(r.estimateCalls['POST /fine-tunes/estimate-price']).toBeUndefined();
    expect(r.createCalls['POST /fine-tunes']).toBeUndefined();
  });

  it('an SFT job on a preference file: the same refusal on files.trainingFileId, no price asked', async () => {
    const file = await preferenceFile();
    const r = await bothRefusals(job(file, {}));
    expect(r.estimate).toEqual([
      {
        message: `files.trainingFileId: file ${file} holds preference rows, which train with DPO only (hyperparameters.dpo)`,
        extensions: { code: 'BAD_USER_INPUT', field: 'files.trainingFileId' },
      },
    ]);
    expect(r.create).toEqual(r.estimate);
    expect(r.estimateCalls['POST /fine-tunes/estimate-price']).toBeUndefined();
    expect(r.createCalls['POST /fine-tunes']).toBeUndefined();
  });

  it('a DPO job on a preference file is priced and created', async () => {
    const file = await preferenceFile();
    stack.togetherSimulator!.resetStats();
    const input = job(file, { dpo: { beta: 0.1 } });
    const estimate = await gql(ESTIMATE, { i: input });
    expect(estimate.errors).toBeUndefined();
    expect(estimate.data?.costEstimate.cost).toBeGreaterThan(0);
    expect(calls()['POST /fine-tunes/estimate-price']).toBe(1);
    const create = await gql(CREATE, { i: input });
    expect(create.errors).toBeUndefined();
    expect(calls()['POST /fine-tunes']).toBe(1);
  });
});
