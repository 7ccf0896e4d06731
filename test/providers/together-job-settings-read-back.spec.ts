/**
 * A Together job shows back the settings it was created with, where Together's job object returns
 * them: `hyperparameters.nCheckpoints` (`n_checkpoints`), `hyperparameters.dpo` (`training_method`)
 * and `fromCheckpoint` (`from_checkpoint`, in the form createJob takes), through `createJob`, `job`
 * and `jobs` alike. Early stopping's settings and the Hugging Face export target are sent, but
 * Together's job object (and so the simulator's) returns neither: nothing shows them, and the
 * Hugging Face token appears in no answer, the gateway's or the simulator's. Nscale jobs read null.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QWEN_SMALL, seedDataset } from '../harness/fixtures.js';
import { DEMO, eventually, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';
import {
  gatewayAnswer,
  TOGETHER_HEADERS as TOGETHER,
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

const TOKEN = `hf_${'z9Y8x7W6v5'.repeat(4)}`;

const SETTINGS = 'id fromCheckpoint hyperparameters { nEvals batchSize nCheckpoints dpo { beta } lora { r } }';
const CREATE = `mutation($i: CreateJobInput!) { createJob(input: $i) { ${SETTINGS} } }`;
const JOB = `query($id: ID!) { job(id: $id) { status ${SETTINGS} } }`;
const JOBS = `{ jobs(first: 20) { edges { node { ${SETTINGS} } } } }`;

/** Every answer the gateway gave in this file, to look for the token in. */
const answers: string[] = [];

async function gql(query: string, headers: Record<string, string>, variables?: object): Promise<GraphQLResponse> {
  const { status, text } = await gatewayAnswer(stack.gateway, query, variables, headers);
  answers.push(text);
  return { status, ...(JSON.parse(text) as object) };
}

const preferenceFile = async () => uploadedId(await uploadPreferenceJsonl(stack.gateway));
const instructionFile = async () => uploadedId(await uploadQaCsv(stack.gateway));

async function created(input: object): Promise<Record<string, any>> {
  const res = await gql(CREATE, TOGETHER, { i: input });
  expect(res.errors).toBeUndefined();
  return res.data?.createJob;
}

/** A completed DPO job on `file` that saved intermediate checkpoints: one step of it to continue from. */
async function completedCheckpoint(file: string): Promise<{ id: string; step: number }> {
  const first = await created({
    name: 'first',
    baseModelId: MODEL,
    files: { trainingFileId: file },
    hyperparameters: { batchSize: 8, nEpochs: 2, nCheckpoints: 2, dpo: {} },
  });
  const steps = await eventually(
    async () => {
      const res = await gql('query($id: ID!) { job(id: $id) { status checkpoints { step final } } }', TOGETHER, {
        id: first.id,
      });
      const job = res.data?.job;
      return job?.status === 'COMPLETED' ? (job.checkpoints as Array<{ step: number; final: boolean }>) : undefined;
    },
    20_000,
    'the first Together job to complete',
  );
  const intermediate = steps.find((c) => !c.final);
  expect(intermediate).toBeDefined();
  return { id: first.id as string, step: intermediate!.step };
}

describe('a Together job created with every Together-only setting', () => {
  let job: Record<string, any>;
  let continued: { id: string; step: number };

  beforeAll(async () => {
    const file = await preferenceFile();
    continued = await completedCheckpoint(file);
    job = await created({
      name: 'every-setting',
      baseModelId: MODEL,
      files: { trainingFileId: file, validationFileId: await preferenceFile() },
      fromCheckpoint: `${continued.id}:${continued.step}`,
      huggingFaceExport: { repositoryId: 'someone/kind-adapter', accessToken: TOKEN },
      hyperparameters: {
        batchSize: 8,
        nEvals: 4,
        nCheckpoints: 3,
        dpo: { beta: 0.3 },
        earlyStopping: { patience: 2, warmupEvals: 1, minDelta: 0.01 },
      },
    });
  }, 30_000);

  const expected = () => ({
    id: job.id,
    fromCheckpoint: `${continued.id}:${continued.step}`,
    hyperparameters: { nEvals: 4, batchSize: 8, nCheckpoints: 3, dpo: { beta: 0.3 }, lora: { r: 8 } },
  });

  it('shows them back in the answer of createJob, its continuation in the public form createJob takes', () => {
    expect(job).toEqual(expected());
    expect(job.fromCheckpoint).toMatch(/^together:ft-[0-9a-f-]+:\d+$/);
  });

  it('shows them back read with job(id)', async () => {
    const res = await gql(JOB, TOGETHER, { id: job.id });
    expect(res.errors).toBeUndefined();
    expect(res.data?.job).toMatchObject(expected());
  });

  it('shows them back read with jobs', async () => {
    const res = await gql(JOBS, TOGETHER);
    expect(res.errors).toBeUndefined();
    const nodes = res.data?.jobs.edges.map((e: { node: Record<string, unknown> }) => e.node);
    expect(nodes.find((n: { id: string }) => n.id === job.id)).toEqual(expected());
  });

  it('a job continued from the final checkpoint shows the job id alone, which createJob takes back', async () => {
    const again = await created({
      name: 'from-final',
      baseModelId: MODEL,
      files: { trainingFileId: await preferenceFile() },
      fromCheckpoint: continued.id,
      hyperparameters: { batchSize: 8, dpo: { beta: 0.2 } },
    });
    expect(again.fromCheckpoint).toBe(continued.id);
    const read = await gql(JOB, TOGETHER, { id: again.id });
    expect(read.data?.job).toMatchObject({ fromCheckpoint: continued.id, hyperparameters: { dpo: { beta: 0.2 } } });
  });

  it("takes the final checkpoint's own id (`<job id>:final`, as Job.checkpoints lists it) for the job id", async () => {
    const again = await created({
      name: 'from-final-id',
      baseModelId: MODEL,
      files: { trainingFileId: await preferenceFile() },
      fromCheckpoint: `${continued.id}:final`,
      hyperparameters: { batchSize: 8, dpo: { beta: 0.2 } },
    });
    expect(again.fromCheckpoint).toBe(continued.id);
  });

  it('never answers the Hugging Face token nor, as Together does not, the export target or early stopping', async () => {
    const upstreamId = (job.id as string).replace(/^together:/, '');
    const raw = await fetch(`${stack.togetherSimulator!.origin}/v1/fine-tunes/${upstreamId}`, {
      headers: { authorization: 'Bearer demo-token' },
    });
    const full = await raw.text();
    expect(raw.status).toBe(200);
    expect(JSON.parse(full)).toMatchObject({ n_checkpoints: 3, training_method: { method: 'dpo', dpo_beta: 0.3 } });
    for (const key of ['hf_output_repo_name', 'hf_api_token', 'early_stopping_patience', 'early_stopping_min_delta'])
      expect(Object.keys(JSON.parse(full) as object)).not.toContain(key);
    expect(answers.length).toBeGreaterThan(4);
    for (const text of [...answers, full]) expect(text).not.toContain(TOKEN);
  });
});

describe('a job created without them', () => {
  it("on Together reads Together's defaults: 1 checkpoint, no DPO, no continuation", async () => {
    const plain = await created({
      name: 'plain',
      baseModelId: MODEL,
      files: { trainingFileId: await instructionFile() },
      hyperparameters: { batchSize: 8 },
    });
    const read = await gql(JOB, TOGETHER, { id: plain.id });
    expect(read.errors).toBeUndefined();
    for (const shown of [plain, read.data?.job])
      expect(shown).toMatchObject({ fromCheckpoint: null, hyperparameters: { nCheckpoints: 1, dpo: null } });
  });

  it('on Nscale reads null for each', async () => {
    const { datasetId } = await seedDataset(stack, DEMO);
    const input = {
      name: 'on-nscale',
      baseModelId: QWEN_SMALL,
      dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
      hyperparameters: { batchSize: 4 },
    };
    const res = await gql(CREATE, headersFor(DEMO), { i: input });
    expect(res.errors).toBeUndefined();
    const read = await gql(JOB, headersFor(DEMO), { id: res.data?.createJob.id });
    const listed = await gql(JOBS, headersFor(DEMO));
    const node = listed.data?.jobs.edges.find((e: { node: { id: string } }) => e.node.id === res.data?.createJob.id);
    for (const shown of [res.data?.createJob, read.data?.job, node?.node])
      expect(shown).toMatchObject({ fromCheckpoint: null, hyperparameters: { nCheckpoints: null, dpo: null } });
  });
});
