/**
 * Settings whose meaning depends on the training method or the provider, on Together as on Nscale
 * (a trial of the Together path): nothing a caller sets is silently dropped.
 * - `maskPromptLabels`: Together's DPO takes no `train_on_inputs` (its OpenAPI `TrainingMethodDPO`,
 *   the SDK's type), and never trains on the prompt. An explicit `false` with `dpo` is refused, before
 *   any `POST /fine-tunes`; omitted, it is the method's default (DPO: true, read back true; SFT:
 *   false, sent as `train_on_inputs: true`, on Nscale as before).
 * - `lora.trainableModules` naming a module twice is refused on Together as on Nscale, in the same words.
 * - The schema says which provider refuses `bestCheckpoints`, and that `maskPromptLabels` has no one default.
 */
import { describe, expect, it } from 'vitest';
import { QWEN_SMALL, seedDataset } from '../harness/fixtures.js';
import { DEMO, headersFor, type GraphQLResponse } from '../harness/stack.js';
import {
  gatewayGql,
  TOGETHER_HEADERS as TOGETHER,
  TOGETHER_MODEL as MODEL,
  uploadedId,
  uploadPreferenceJsonl,
  uploadQaCsv,
} from '../harness/together-job.js';
import { useTogetherPostedJobsStack } from '../harness/together-posted-jobs.js';

/** The stack, and the JSON bodies of the job creations the Together simulator received in this test. */
const tg = useTogetherPostedJobsStack();
const { created } = tg;

const SETTINGS = 'id hyperparameters { maskPromptLabels dpo { beta } lora { trainableModules } }';
const CREATE = `mutation($i: CreateJobInput!) { createJob(input: $i) { ${SETTINGS} } }`;
const ESTIMATE = 'query($i: CreateJobInput!) { costEstimate(input: $i) { cost } }';
const JOB = `query($id: ID!) { job(id: $id) { ${SETTINGS} } }`;

const gql = (query: string, variables?: object, headers: Record<string, string> = TOGETHER) =>
  gatewayGql(tg.stack.gateway, query, variables, headers);
const preferenceFile = async () => uploadedId(await uploadPreferenceJsonl(tg.stack.gateway));
const instructionFile = async () => uploadedId(await uploadQaCsv(tg.stack.gateway));

const job = (file: string, hyperparameters: object) => ({
  name: 'method-settings',
  baseModelId: MODEL,
  files: { trainingFileId: file },
  hyperparameters: { batchSize: 8, ...hyperparameters },
});

const postedJobs = () => tg.stack.togetherSimulator!.stats()['POST /fine-tunes'];
const refusals = (res: GraphQLResponse) =>
  res.errors?.map((e) => ({ field: e.extensions?.field, code: e.extensions?.code, message: e.message }));

/** Created without errors: the answer of createJob, and the same job read back with job(id). */
async function createdAndRead(input: object): Promise<Array<Record<string, any>>> {
  const res = await gql(CREATE, { i: input });
  expect(res.errors).toBeUndefined();
  const read = await gql(JOB, { id: res.data?.createJob.id });
  expect(read.errors).toBeUndefined();
  return [res.data?.createJob, read.data?.job];
}

const DPO_MASK_REFUSAL = {
  field: 'hyperparameters.maskPromptLabels',
  code: 'BAD_USER_INPUT',
  message:
    'hyperparameters.maskPromptLabels: false is not available with hyperparameters.dpo: preference training ' +
    "(DPO) never trains on the prompt (Together's DPO takes no train_on_inputs); leave it out, or send true",
};

describe('maskPromptLabels with preference training (DPO) on Together', () => {
  it('refuses an explicit false, naming the field, the value and the rule, before any POST /fine-tunes', async () => {
    const input = job(await preferenceFile(), { dpo: { beta: 0.2 }, maskPromptLabels: false });
    const res = await gql(CREATE, { i: input });
    expect(res.data?.createJob ?? null).toBeNull();
    expect(refusals(res)).toEqual([DPO_MASK_REFUSAL]);
    expect(postedJobs()).toBeUndefined();
    expect(created).toEqual([]);
  });

  it('is refused alike by costEstimate, which checks the job as createJob does', async () => {
    const input = job(await preferenceFile(), { dpo: { beta: 0.2 }, maskPromptLabels: false });
    const res = await gql(ESTIMATE, { i: input });
    expect(refusals(res)).toEqual([DPO_MASK_REFUSAL]);
    expect(tg.stack.togetherSimulator!.stats()['POST /fine-tunes/estimate-price']).toBeUndefined();
  });

  it('omitted, is the method’s default: sent as nothing (DPO takes no train_on_inputs) and read back true', async () => {
    const shown = await createdAndRead(job(await preferenceFile(), { dpo: { beta: 0.2 } }));
    for (const j of shown) expect(j.hyperparameters).toMatchObject({ maskPromptLabels: true, dpo: { beta: 0.2 } });
    expect(created).toHaveLength(1);
    expect(created[0]!.training_method).toEqual({ method: 'dpo', dpo_beta: 0.2 });
    expect(Object.keys(created[0]!)).not.toContain('train_on_inputs');
  });

  it('null is the same as omitted, and an explicit true is taken: what DPO does', async () => {
    for (const maskPromptLabels of [null, true]) {
      const shown = await createdAndRead(job(await preferenceFile(), { dpo: { beta: 0.3 }, maskPromptLabels }));
      for (const j of shown) expect(j.hyperparameters.maskPromptLabels, String(maskPromptLabels)).toBe(true);
    }
    expect(created.map((body) => body.training_method)).toEqual([
      { method: 'dpo', dpo_beta: 0.3 },
      { method: 'dpo', dpo_beta: 0.3 },
    ]);
  });
});

describe('maskPromptLabels with supervised training (SFT)', () => {
  it('on Together, omitted or null, is false: sent as train_on_inputs true, and read back false', async () => {
    for (const hyperparameters of [{}, { maskPromptLabels: null }]) {
      const shown = await createdAndRead(job(await instructionFile(), hyperparameters));
      for (const j of shown) expect(j.hyperparameters).toMatchObject({ maskPromptLabels: false, dpo: null });
    }
    expect(created.map((body) => body.training_method)).toEqual([
      { method: 'sft', train_on_inputs: true },
      { method: 'sft', train_on_inputs: true },
    ]);
  });

  it('on Together, true is sent as train_on_inputs false and read back true', async () => {
    const shown = await createdAndRead(job(await instructionFile(), { maskPromptLabels: true }));
    for (const j of shown) expect(j.hyperparameters.maskPromptLabels).toBe(true);
    expect(created[0]!.training_method).toEqual({ method: 'sft', train_on_inputs: false });
  });

  it('on Nscale, omitted or null, is false as before, and true is true', async () => {
    const { datasetId } = await seedDataset(tg.stack, DEMO);
    for (const [maskPromptLabels, expected] of [
      [undefined, false],
      [null, false],
      [true, true],
      [false, false],
    ] as const) {
      const input = {
        name: 'on-nscale',
        baseModelId: QWEN_SMALL,
        dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
        hyperparameters: { batchSize: 4, maskPromptLabels },
      };
      const res = await gql(CREATE, { i: input }, headersFor(DEMO));
      expect(res.errors, String(maskPromptLabels)).toBeUndefined();
      expect(res.data?.createJob.hyperparameters.maskPromptLabels, String(maskPromptLabels)).toBe(expected);
      const upstream = await tg.stack.client.getJob(DEMO, res.data?.createJob.id as string);
      expect(upstream.hyperparameters.maskPromptLabels, String(maskPromptLabels)).toBe(expected);
    }
  });

  it('on Nscale, a job of the default settings (no hyperparameters at all) still masks nothing', async () => {
    const { datasetId } = await seedDataset(tg.stack, DEMO);
    const input = {
      name: 'on-nscale',
      baseModelId: QWEN_SMALL,
      dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
    };
    const res = await gql(CREATE, { i: input }, headersFor(DEMO));
    expect(res.errors).toBeUndefined();
    const upstream = await tg.stack.client.getJob(DEMO, res.data?.createJob.id as string);
    expect(upstream.hyperparameters.maskPromptLabels).toBe(false);
  });
});

describe('lora.trainableModules naming a module twice', () => {
  const DUPLICATE = {
    field: 'hyperparameters.lora.trainableModules',
    code: 'BAD_USER_INPUT',
    message: 'hyperparameters.lora.trainableModules: q_proj,v_proj,q_proj names a module more than once',
  };

  it('is refused on Together as on Nscale, in the same words, before any POST /fine-tunes', async () => {
    const input = job(await instructionFile(), { lora: { trainableModules: ['Q_PROJ', 'V_PROJ', 'Q_PROJ'] } });
    const res = await gql(CREATE, { i: input });
    expect(res.data?.createJob ?? null).toBeNull();
    expect(refusals(res)).toEqual([DUPLICATE]);
    expect(postedJobs()).toBeUndefined();
    expect(created).toEqual([]);

    const { datasetId } = await seedDataset(tg.stack, DEMO);
    const onNscale = await gql(
      CREATE,
      {
        i: {
          name: 'on-nscale',
          baseModelId: QWEN_SMALL,
          dataset: { id: datasetId, answerColumn: 'answer' },
          hyperparameters: { batchSize: 4, lora: { trainableModules: ['Q_PROJ', 'V_PROJ', 'Q_PROJ'] } },
        },
      },
      headersFor(DEMO),
    );
    expect(refusals(onNscale)).toEqual([DUPLICATE]);
    expect(tg.stack.simulator.stats()['POST /jobs']).toBeUndefined();
  });

  it('each named once, is sent to Together as given', async () => {
    const shown = await createdAndRead(
      job(await instructionFile(), { lora: { trainableModules: ['Q_PROJ', 'V_PROJ'] } }),
    );
    for (const j of shown) expect(j.hyperparameters.lora.trainableModules).toEqual(['Q_PROJ', 'V_PROJ']);
    expect(created[0]!.training_type).toMatchObject({ type: 'Lora', lora_trainable_modules: 'q_proj,v_proj' });
  });
});

describe('the schema', () => {
  const DESCRIBED = `{
    input: __type(name: "HyperparametersInput") { inputFields { name description defaultValue type { kind name } } }
    job: __type(name: "Hyperparameters") { fields { name description } }
  }`;
  type Field = { name: string; description: string; defaultValue?: string | null; type?: { kind: string } };
  const named = (list: Field[], name: string) => list.find((f) => f.name === name)!;

  it('says bestCheckpoints is refused on Together, as each provider-specific field says', async () => {
    const { data, errors } = await gql(DESCRIBED);
    expect(errors).toBeUndefined();
    const input = named(data?.input.inputFields, 'bestCheckpoints').description;
    expect(input).toMatch(/^Nscale only: /);
    expect(input).toContain('refused on Together (not available on provider together: the final model is kept)');
    expect(named(data?.job.fields, 'bestCheckpoints').description).toMatch(/Always false on Together/);
  });

  it('gives maskPromptLabels no one default: the method’s, which it states, and the job’s reads true for DPO', async () => {
    const { data } = await gql(DESCRIBED);
    const input = named(data?.input.inputFields, 'maskPromptLabels');
    expect(input.defaultValue).toBeNull();
    expect(input.type).toMatchObject({ kind: 'SCALAR' });
    expect(input.description).toMatch(/Omitted \(or null\), the training method's default: false for supervised/);
    expect(input.description).toMatch(/`false` with `dpo` is refused/);
    expect(named(data?.job.fields, 'maskPromptLabels').description).toMatch(/Always true for preference training/);
  });
});
