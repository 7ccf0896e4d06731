/**
 * An invalid job never reaches `POST /jobs`: every problem of the input comes back at once, each as
 * its own BAD_USER_INPUT error naming the field, the value and the rule.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedDataset, LLAMA_INSTRUCT } from '../harness/fixtures.js';
import { DEMO, OTHER, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let datasetId: string;
let otherDatasetId: string;

beforeAll(async () => {
  stack = await startStack();
  ({ datasetId } = await seedDataset(stack, DEMO));
  ({ datasetId: otherDatasetId } = await seedDataset(stack, OTHER, 'other'));
});
afterAll(() => stack.close());
beforeEach(() => stack.simulator.resetStats());

const CREATE = `mutation Create($input: CreateJobInput!) { createJob(input: $input) { id status } }`;

function input(
  overrides: {
    hyperparameters?: Record<string, unknown>;
    dataset?: Record<string, unknown>;
    [k: string]: unknown;
  } = {},
) {
  const { hyperparameters, dataset, ...rest } = overrides;
  return {
    name: 'validation test',
    baseModelId: LLAMA_INSTRUCT,
    dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer', ...dataset },
    ...(hyperparameters ? { hyperparameters } : {}),
    ...rest,
  };
}

async function refused(variables: Record<string, unknown>) {
  const res = await stack.gql(CREATE, { input: variables });
  expect(res.data).toBeNull();
  expect(stack.calls()['POST /jobs']).toBeUndefined();
  return (res.errors ?? []).map((e) => ({ field: e.extensions?.field, code: e.extensions?.code, message: e.message }));
}

describe('createJob validation', () => {
  it.each([
    [{ nEpochs: 0 }, 'hyperparameters.nEpochs', 'hyperparameters.nEpochs: 0 is not an integer from 1 to 20'],
    [{ nEpochs: 21 }, 'hyperparameters.nEpochs', 'hyperparameters.nEpochs: 21 is not an integer from 1 to 20'],
    [{ nEvals: 101 }, 'hyperparameters.nEvals', 'hyperparameters.nEvals: 101 is not an integer from 0 to 100'],
    [{ nEvals: -1 }, 'hyperparameters.nEvals', 'hyperparameters.nEvals: -1 is not an integer from 0 to 100'],
    [
      { learningRate: 0.5 },
      'hyperparameters.learningRate',
      'hyperparameters.learningRate: 0.5 is not a number from 1e-8 to 0.01',
    ],
    [
      { learningRate: 1e-9 },
      'hyperparameters.learningRate',
      'hyperparameters.learningRate: 1e-9 is not a number from 1e-8 to 0.01',
    ],
    [
      { warmupRatio: 1.5 },
      'hyperparameters.warmupRatio',
      'hyperparameters.warmupRatio: 1.5 is not a number from 0 to 1',
    ],
    [{ weightDecay: -0.1 }, 'hyperparameters.weightDecay', 'hyperparameters.weightDecay: -0.1 is not a number ≥ 0'],
    [{ lora: { r: 65 } }, 'hyperparameters.lora.r', 'hyperparameters.lora.r: 65 is not an integer from 1 to 64'],
    [
      { lora: { alpha: 0 } },
      'hyperparameters.lora.alpha',
      'hyperparameters.lora.alpha: 0 is not an integer from 1 to 64',
    ],
    [
      { lora: { dropout: 1.01 } },
      'hyperparameters.lora.dropout',
      'hyperparameters.lora.dropout: 1.01 is not a number from 0 to 1',
    ],
    [
      { batchSize: 6 },
      'hyperparameters.batchSize',
      'hyperparameters.batchSize: 6 is not one of 4, 8, 12, …, 32 for Meta-Llama-3-8B-Instruct',
    ],
  ])('refuses %j with one error on %s', async (hyperparameters, field, message) => {
    expect(await refused(input({ hyperparameters }))).toEqual([{ field, code: 'BAD_USER_INPUT', message }]);
  });

  it('refuses LoRA turned off: full fine-tuning is not offered', async () => {
    expect(await refused(input({ hyperparameters: { lora: { enabled: false } } }))).toEqual([
      {
        field: 'hyperparameters.lora.enabled',
        code: 'BAD_USER_INPUT',
        message:
          'hyperparameters.lora.enabled: false is not supported: only LoRA fine-tuning is offered (full fine-tuning is not available yet)',
      },
    ]);
  });

  it('reports every problem of one input in one response', async () => {
    const errors = await refused(
      input({
        baseModelId: 'no-such-model',
        dataset: { answerColumn: 'reply' },
        hyperparameters: { nEpochs: 50, learningRate: 1, lora: { r: 0 } },
      }),
    );
    expect(errors.map((e) => e.field).sort()).toEqual([
      'baseModelId',
      'dataset.answerColumn',
      'hyperparameters.learningRate',
      'hyperparameters.lora.r',
      'hyperparameters.nEpochs',
    ]);
    expect(errors.every((e) => e.code === 'BAD_USER_INPUT')).toBe(true);
    expect(errors.find((e) => e.field === 'baseModelId')?.message).toBe(
      'baseModelId: "no-such-model" is not a known base model (see the baseModels query)',
    );
    expect(errors.find((e) => e.field === 'dataset.answerColumn')?.message).toBe(
      'dataset.answerColumn: "reply" is not a column of the training file "qa.csv" (columns: "question", "answer")',
    );
  });

  it("refuses an unknown dataset, and another organization's dataset alike", async () => {
    for (const id of ['no-such-dataset', otherDatasetId]) {
      expect(await refused(input({ dataset: { id } }))).toEqual([
        {
          field: 'dataset.id',
          code: 'BAD_USER_INPUT',
          message: `dataset.id: ${JSON.stringify(id)} is not a dataset of this organization`,
        },
      ]);
    }
  });

  it('refuses a missing prompt column', async () => {
    expect(await refused(input({ dataset: { promptColumn: 'prompt' } }))).toEqual([
      {
        field: 'dataset.promptColumn',
        code: 'BAD_USER_INPUT',
        message:
          'dataset.promptColumn: "prompt" is not a column of the training file "qa.csv" (columns: "question", "answer")',
      },
    ]);
  });

  it('refuses the same column as prompt and answer', async () => {
    expect(await refused(input({ dataset: { promptColumn: 'answer', answerColumn: 'answer' } }))).toEqual([
      {
        field: 'dataset.promptColumn',
        code: 'BAD_USER_INPUT',
        message:
          'dataset.promptColumn: "answer" is also the answer column; the prompt and the answer must be different columns',
      },
    ]);
  });

  it('refuses blank names and duplicated modules', async () => {
    const errors = await refused(
      input({ name: '  ', hyperparameters: { lora: { trainableModules: ['Q_PROJ', 'Q_PROJ'] } } }),
    );
    expect(errors).toEqual([
      { field: 'name', code: 'BAD_USER_INPUT', message: 'name: must not be empty' },
      {
        field: 'hyperparameters.lora.trainableModules',
        code: 'BAD_USER_INPUT',
        message: 'hyperparameters.lora.trainableModules: q_proj,q_proj names a module more than once',
      },
    ]);
  });

  it('refuses values of the wrong type before execution (GraphQL validation), without calling the upstream', async () => {
    const res = await stack.gql(CREATE, { input: input({ hyperparameters: { nEpochs: 'three' } }) });
    expect(res.errors?.[0]?.message).toBe(
      'Variable "$input" got an invalid value at "input.hyperparameters.nEpochs"; Int cannot represent non-integer value: "three"',
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(stack.calls()).toEqual({});
  });

  it('accepts a valid job with the seed defaults and creates it once', async () => {
    const res = await stack.gql<{ createJob: { id: string; status: string } }>(CREATE, { input: input() });
    expect(res.errors).toBeUndefined();
    expect(res.data?.createJob.status).toBe('QUEUED');
    expect(stack.calls()['POST /jobs']).toBe(1);
    const job = await stack.client.getJob(DEMO, res.data!.createJob.id);
    expect(job.hyperparameters).toEqual({
      nEpochs: 1,
      nEvals: 0,
      batchSize: 4,
      learningRate: 1e-5,
      warmupRatio: 0,
      weightDecay: 0,
      bestCheckpoints: false,
      maskPromptLabels: false,
      lora: { enabled: true, r: 8, alpha: 8, dropout: 0, trainableModules: [] },
    });
  });
});
