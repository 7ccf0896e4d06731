/**
 * What a Together caller reads when something is refused, and what the schema tells them beforehand
 * (a trial of the Together path): descriptions true of each provider (no $2.00 minimum, no Nscale
 * ranges on Together), capabilities of this API (no job deletion), `fromCheckpoint` ids judged for
 * this provider, and Together's own refusals in the API's terms: the GraphQL input path in
 * `extensions.field`, and ids as the gateway gives them out (`together:…`).
 */
import { getNamedType, isInputObjectType, type GraphQLInputObjectType } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sortedSchema } from '../../src/schema/index.js';
import { CREATE_JOB_INPUT_FIELDS } from '../../src/upstream/together/create-job-input.js';
import { eventually, startStack, type Stack } from '../harness/stack.js';
import { gatewayGql, TOGETHER_MODEL as MODEL, uploadQaCsv } from '../harness/together-job.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SIMULATOR_JOB_SECONDS: '1' } });
});
afterAll(() => stack.close());
beforeEach(() => stack.togetherSimulator!.resetStats());

const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id status } }';
const togetherCalls = () => stack.togetherCalls();
/** Together's own form of an id, not preceded by the gateway's `together:`. */
const RAW_ID = /(?<!together:)\b(ft|file)-[0-9a-f]{8}/;

const gql = (query: string, variables?: object, headers?: Record<string, string>) =>
  gatewayGql(stack.gateway, query, variables, headers);

async function uploadedFile(): Promise<string> {
  const id = (await uploadQaCsv(stack.gateway)).data?.uploadFile.id as string;
  expect(id).toMatch(/^together:file-/);
  return id;
}

const job = (file: string, extra: object = {}, hyperparameters: object = { batchSize: 8 }) => ({
  name: 'trial',
  baseModelId: MODEL,
  files: { trainingFileId: file },
  hyperparameters,
  ...extra,
});

describe('the schema, read by a Together caller', () => {
  const DESCRIBED = `{
    mutation: __type(name: "Mutation") { fields { name description } }
    hyperparameters: __type(name: "HyperparametersInput") { inputFields { name description } }
    lora: __type(name: "LoraInput") { inputFields { name description } }
    breakdown: __type(name: "CostBreakdown") { fields { name description } }
  }`;
  type Described = { name: string; description: string };
  const text = (list: Described[], name: string) => list.find((f) => f.name === name)?.description ?? '';

  it('puts the $2.00 minimum and the fixed ranges on Nscale alone, and points Together at the model’s limits', async () => {
    const { data, errors } = await gql(DESCRIBED);
    expect(errors).toBeUndefined();
    const createJob = text(data?.mutation.fields, 'createJob');
    expect(createJob).not.toMatch(/costs at least \$2\.00/);
    expect(createJob).toMatch(/on Nscale at least \$2\.00/);
    expect(createJob).toMatch(/Together has no minimum/);
    const cost = text(data?.breakdown.fields, 'cost');
    expect(cost).toMatch(/on Nscale/);
    expect(cost).toMatch(/Together/);
    expect(text(data?.breakdown.fields, 'minimumApplied')).toMatch(/always false on Together/);

    const learningRate = text(data?.hyperparameters.inputFields, 'learningRate');
    expect(learningRate).toMatch(/On Nscale, a number from 1e-8 to 0\.01\./);
    expect(learningRate).toMatch(/On Together, a number in the base model's learning-rate range \(Together's limits/);
    const alpha = text(data?.lora.inputFields, 'alpha');
    expect(alpha).toMatch(/On Nscale, an integer from 1 to 64\./);
    expect(alpha).toMatch(/On Together, any integer ≥ 1/);
    for (const [list, name] of [
      [data?.hyperparameters.inputFields, 'nEpochs'],
      [data?.hyperparameters.inputFields, 'nEvals'],
      [data?.hyperparameters.inputFields, 'warmupRatio'],
      [data?.lora.inputFields, 'r'],
      [data?.lora.inputFields, 'dropout'],
    ] as const)
      expect(text(list, name), name).toMatch(/On Nscale, .*On Together, /);
  });

  it('holds Together to its own rules only: a learning rate of 0.05 and a LoRA alpha of 128 are sent', async () => {
    const file = await uploadedFile();
    stack.togetherSimulator!.resetStats();
    const created = await gql(CREATE, {
      i: job(file, {}, { batchSize: 8, learningRate: 0.05, lora: { alpha: 128 } }),
    });
    expect(created.errors).toBeUndefined();
    expect(created.data?.createJob.id).toMatch(/^together:ft-/);
    expect(togetherCalls()['POST /fine-tunes']).toBe(1);
  });

  it('lists what this API can do on Together: no operation deletes a job or asks for a metrics resolution', async () => {
    const { data } = await gql('{ providers { name capabilities { delete metricsResolution cancel } } }', {}, {});
    expect(data?.providers).toEqual([
      { name: 'NSCALE', capabilities: { delete: false, metricsResolution: false, cancel: true } },
      { name: 'TOGETHER', capabilities: { delete: false, metricsResolution: false, cancel: true } },
    ]);
    const mutations = await gql('{ __type(name: "Mutation") { fields { name } } }');
    const names = mutations.data?.__type.fields.map((f: { name: string }) => f.name) as string[];
    expect(names.filter((n) => /^delete.*Job/i.test(n))).toEqual([]);
  });
});

describe('fromCheckpoint on Together', () => {
  it('a value without "together:" is not called an id of provider nscale: the field, the value, the form to send', async () => {
    const file = await uploadedFile();
    stack.togetherSimulator!.resetStats();
    const { errors } = await gql(CREATE, { i: job(file, { fromCheckpoint: 'ft-nope' }) });
    expect(errors).toEqual([
      expect.objectContaining({
        message:
          'fromCheckpoint: "ft-nope" is not an id of provider together: its ids start with "together:" as the ' +
          'gateway gives them out ("together:ft-…", "together:file-…"); an id of provider nscale is sent with ' +
          'X-Provider: nscale (over WebSocket, connectionParams.provider)',
        extensions: { code: 'BAD_USER_INPUT', field: 'fromCheckpoint' },
      }),
    ]);
    expect(errors?.[0]?.message).not.toMatch(/is an id of provider nscale/);
    expect(togetherCalls()['POST /fine-tunes']).toBeUndefined();
  });

  it('a job Together does not know is its refusal, naming the field and the id as the API shows it', async () => {
    const file = await uploadedFile();
    const { errors } = await gql(CREATE, { i: job(file, { fromCheckpoint: 'together:ft-nope' }) });
    expect(errors).toEqual([
      expect.objectContaining({
        message:
          'fromCheckpoint: "together:ft-nope" cannot be continued from: no fine-tune job or output model ' +
          '"together:ft-nope" exists. fromCheckpoint takes `<job id>` or `<job id>:<step>`: a completed job of ' +
          'this account, on the same base model, and with a step one of the checkpoints it saved.',
        extensions: { code: 'BAD_USER_INPUT', field: 'fromCheckpoint' },
      }),
    ]);
  });
});

describe('Together’s own refusals', () => {
  it('of a file DPO cannot train on name `files.trainingFileId` and show the file as `together:file-…`', async () => {
    const file = await uploadedFile();
    stack.togetherSimulator!.resetStats();
    const { errors } = await gql(CREATE, {
      i: job(file, {}, { lora: { enabled: false }, dpo: { beta: 0.1 } }),
    });
    // Checked by the gateway from the file's validation report, as costEstimate checks it (together-estimate-checks-like-create.spec.ts).
    expect(togetherCalls()['POST /fine-tunes']).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'files.trainingFileId' });
    expect(errors?.[0]?.message).toMatch(/^files\.trainingFileId: DPO training needs preference rows/);
    expect(errors?.[0]?.message).toContain(`file ${file} holds`);
    expect(errors?.[0]?.message).not.toMatch(RAW_ID);
  });

  it('of a cancel (CONFLICT) name `id`, the job’s status and the rule, with the job’s id as the API shows it', async () => {
    const file = await uploadedFile();
    const id = (await gql(CREATE, { i: job(file) })).data?.createJob.id as string;
    expect(id).toMatch(/^together:ft-/);
    await eventually(
      async () =>
        (await gql('query($id: ID!) { job(id: $id) { status } }', { id })).data?.job.status === 'COMPLETED'
          ? true
          : undefined,
      20_000,
      'the Together job to complete',
    );
    const { errors } = await gql('mutation($id: ID!) { cancelJob(id: $id) { id } }', { id });
    expect(errors).toHaveLength(1);
    // As on Nscale (test/gateway/errors.spec.ts): the argument, the status, the rule; then Together's words.
    expect(errors?.[0]).toMatchObject({
      message:
        `id: job "${id}" is COMPLETED; only a QUEUED, STARTING or RUNNING job can be cancelled. Together answered: ` +
        `"Fine-tune job ${id} is completed: only a job that has not ended can be cancelled."`,
      extensions: { code: 'CONFLICT', field: 'id' },
    });
    expect(errors?.[0]?.message).not.toMatch(RAW_ID);
  });

  it('of a cancel (CONFLICT) whose job cannot be read back say so, the rule and Together’s words kept', async () => {
    const file = await uploadedFile();
    const id = (await gql(CREATE, { i: job(file) })).data?.createJob.id as string;
    await eventually(
      async () =>
        (await gql('query($id: ID!) { job(id: $id) { status } }', { id })).data?.job.status === 'COMPLETED'
          ? true
          : undefined,
      20_000,
      'the Together job to complete',
    );
    stack.togetherSimulator!.setFaults({ route: 'GET /fine-tunes/{id}', error: { rate: 1, status: 500 } });
    try {
      const { errors } = await gql('mutation($id: ID!) { cancelJob(id: $id) { id } }', { id });
      expect(errors?.[0]).toMatchObject({
        message:
          `id: job "${id}" is in a status that does not allow it (the job could not be read back to say which); ` +
          'only a QUEUED, STARTING or RUNNING job can be cancelled. Together answered: ' +
          `"Fine-tune job ${id} is completed: only a job that has not ended can be cancelled."`,
        extensions: { code: 'CONFLICT', field: 'id' },
      });
    } finally {
      stack.togetherSimulator!.setFaults({});
    }
  });

  it('of a job that is not there (NOT_FOUND) show the id as the API shows it', async () => {
    const id = 'together:ft-00000000-0000-4000-8000-000000000000';
    const { errors } = await gql('query($id: ID!) { job(id: $id) { id } }', { id });
    expect(errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(errors?.[0]?.message).toContain(id);
    expect(errors?.[0]?.message).not.toMatch(RAW_ID);
  });
});

describe('the fields Together’s refusals name', () => {
  /** The input object type at `path` below CreateJobInput, or the leaf's existence. */
  function hasPath(path: string): boolean {
    let type: GraphQLInputObjectType = sortedSchema().getType('CreateJobInput') as GraphQLInputObjectType;
    const parts = path.split('.');
    for (const [i, part] of parts.entries()) {
      const field = type.getFields()[part];
      if (!field) return false;
      const named = getNamedType(field.type);
      if (i === parts.length - 1) return true;
      if (!isInputObjectType(named)) return false;
      type = named;
    }
    return false;
  }

  it('are every one a path of the GraphQL input (CreateJobInput)', () => {
    const wrong = Object.entries(CREATE_JOB_INPUT_FIELDS).filter(([, path]) => !hasPath(path));
    expect(wrong).toEqual([]);
  });

  it('cover what the gateway sends: the training, its method, the files and the settings', () => {
    expect(CREATE_JOB_INPUT_FIELDS).toMatchObject({
      model: 'baseModelId',
      suffix: 'name',
      training_file: 'files.trainingFileId',
      validation_file: 'files.validationFileId',
      n_epochs: 'hyperparameters.nEpochs',
      batch_size: 'hyperparameters.batchSize',
      'training_type.lora_r': 'hyperparameters.lora.r',
      'training_type.lora_alpha': 'hyperparameters.lora.alpha',
      'training_method.dpo_beta': 'hyperparameters.dpo.beta',
      'training_method.train_on_inputs': 'hyperparameters.maskPromptLabels',
      early_stopping_patience: 'hyperparameters.earlyStopping.patience',
      from_checkpoint: 'fromCheckpoint',
      hf_output_repo_name: 'huggingFaceExport.repositoryId',
      hf_api_token: 'huggingFaceExport.accessToken',
    });
  });
});
