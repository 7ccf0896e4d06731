/**
 * The batch size a client leaves out (issue 19): Nscale's default (4) is below Together's minimum, so
 * the default is the provider's: 4 on Nscale, Together's own (the model's largest batch) on Together,
 * which the job then shows. A regression test for "a Together client that leaves out batchSize gets
 * BAD_USER_INPUT".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_SIZE } from '../../src/contract/hyperparameters.js';
import { QWEN_SMALL, seedDataset } from '../harness/fixtures.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';
import { gatewayGql, TOGETHER_MODEL as MODEL, uploadQaCsv } from '../harness/together-job.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SIMULATOR_JOB_SECONDS: '1' } });
});
afterAll(() => stack.close());

const togetherGql = (query: string, variables?: object) => gatewayGql(stack.gateway, query, variables);
const uploadedFile = async () => (await uploadQaCsv(stack.gateway)).data?.uploadFile.id as string;

describe('an omitted batch size', () => {
  it('is Together’s own default on Together: the job is created with the model’s largest batch', async () => {
    const file = await uploadedFile();
    const models = await togetherGql('{ baseModels { id supportedBatchSizes } }');
    const sizes = (models.data?.baseModels as Array<{ id: string; supportedBatchSizes: number[] }>).find(
      (m) => m.id === MODEL,
    )?.supportedBatchSizes;
    expect(sizes?.length).toBeGreaterThan(0);
    expect(Math.min(...sizes!)).toBeGreaterThan(DEFAULT_BATCH_SIZE);

    const created = await togetherGql(
      'mutation($i: CreateJobInput!) { createJob(input: $i) { id hyperparameters { batchSize } } }',
      { i: { name: 'no-batch', baseModelId: MODEL, files: { trainingFileId: file } } },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data?.createJob.hyperparameters.batchSize).toBe(Math.max(...sizes!));
  });

  it('is still 4 on Nscale', async () => {
    const { datasetId } = await seedDataset(stack, DEMO);
    const created = await stack.gql(
      'mutation($i: CreateJobInput!) { createJob(input: $i) { hyperparameters { batchSize } } }',
      { i: { name: 'nscale-default', baseModelId: QWEN_SMALL, dataset: { id: datasetId, answerColumn: 'answer' } } },
      DEMO,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data?.createJob.hyperparameters.batchSize).toBe(DEFAULT_BATCH_SIZE);
  });
});
