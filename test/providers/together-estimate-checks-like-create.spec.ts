/**
 * `costEstimate` on Together checks its input exactly as `createJob` does (a frontend trial): a DPO job
 * on an instruction file was priced by the estimate and only refused by createJob, Together's
 * estimate-price pricing what its createJob refuses. The rows' format (Together's validation report)
 * is now checked by the gateway for both, before either reaches Together.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';
import {
  gatewayGql,
  TOGETHER_MODEL as MODEL,
  uploadedId,
  uploadPreferenceJsonl,
  uploadQaCsv,
} from '../harness/together-job.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SIMULATOR_JOB_SECONDS: '1' } });
});
afterAll(() => stack.close());
beforeEach(() => stack.togetherSimulator!.resetStats());

const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }';
const ESTIMATE = 'query($i: CreateJobInput!) { costEstimate(input: $i) { cost } }';

const calls = () => stack.togetherCalls();
const gql = (query: string, variables: object) => gatewayGql(stack.gateway, query, variables);

const instructionFile = async () => uploadedId(await uploadQaCsv(stack.gateway));
const preferenceFile = async () => uploadedId(await uploadPreferenceJsonl(stack.gateway));

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
