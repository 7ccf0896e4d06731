/**
 * `BaseModel.hyperparameterLimits.batchSizes` and `nCheckpoints` (a frontend trial: a form could not
 * learn the batch sizes of full training and DPO, nor the checkpoints, that `createJob` holds a Together
 * job to). A method a model does not offer is null, and `createJob` refuses it; on Together, a job at
 * each method's largest batch and most checkpoints, or with the batch left to the default the limits
 * show, is created by the Together simulator, whose own checks share no code with the gateway's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';
import {
  gatewayGql,
  gatewayUpload,
  PREFERENCE_JSONL,
  TOGETHER_CSV,
  TOGETHER_HEADERS as TOGETHER,
  TOGETHER_MODEL as SMALL,
} from '../harness/together-job.js';

let stack: Stack;
let datasetId: string;

const NSCALE = headersFor(DEMO);
/** Offered for LoRA training only (src/simulator/together/models.ts: above 16B parameters). */
const LARGE = 'meta-llama/Llama-3.3-70B-Instruct-Reference';

const LIMIT = '{ min max default }';
const LIMITS = `hyperparameterLimits { nCheckpoints ${LIMIT} batchSizes { loraSft ${LIMIT} loraDpo ${LIMIT} fullSft ${LIMIT} fullDpo ${LIMIT} } }`;
const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id hyperparameters { batchSize } } }';
const DPO = { dpo: { beta: 0.1 } };
const FULL = { lora: { enabled: false } };
const METHODS = { loraSft: {}, loraDpo: DPO, fullSft: FULL, fullDpo: { ...FULL, ...DPO } } as const;

const gql = (headers: Record<string, string>, query: string, variables?: object) =>
  gatewayGql(stack.gateway, query, variables, headers);
const upload = async (file: File): Promise<string> => (await gatewayUpload(stack.gateway, file)).data!.uploadFile.id;

const limitsOf = async (headers: Record<string, string>, id: string) => {
  const answer = await gql(headers, `query($id: ID!) { baseModel(id: $id) { ${LIMITS} } }`, { id });
  expect(answer.errors).toBeUndefined();
  return answer.data!.baseModel.hyperparameterLimits as {
    nCheckpoints: { min: number; max: number; default: number } | null;
    batchSizes: Record<keyof typeof METHODS, { min: number; max: number; default: number } | null>;
  };
};

/** The fields `createJob` names when it refuses `hyperparameters`. */
const refusedFields = async (headers: Record<string, string>, input: object) => {
  const answer = await gql(headers, CREATE, { i: { name: 'refused', ...input } });
  expect(answer.data?.createJob ?? null).toBeNull();
  return (answer.errors ?? []).map((e) => e.extensions?.field);
};

beforeAll(async () => {
  stack = await startStack({ gateway: { baseModelCacheMs: 0, responseCache: null } });
  ({ datasetId } = await seedDataset(stack, DEMO));
});
afterAll(() => stack.close());

describe('hyperparameterLimits.batchSizes and nCheckpoints', () => {
  it('are null for what Nscale does not offer, and createJob refuses it there', async () => {
    const limits = await limitsOf(NSCALE, LLAMA_INSTRUCT);
    expect(limits.nCheckpoints).toBeNull();
    expect(limits.batchSizes).toEqual({
      loraSft: { min: 4, max: 32, default: 4 },
      loraDpo: null,
      fullSft: null,
      fullDpo: null,
    });
    const job = (hyperparameters: object) => ({
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
      hyperparameters: { batchSize: 8, ...hyperparameters },
    });
    expect(await refusedFields(NSCALE, job({ nCheckpoints: 1 }))).toContain('hyperparameters.nCheckpoints');
    expect(await refusedFields(NSCALE, job(METHODS.loraDpo))).toContain('hyperparameters.dpo');
    expect(await refusedFields(NSCALE, job(METHODS.fullSft))).toContain('hyperparameters.lora.enabled');
    expect(await refusedFields(NSCALE, job(METHODS.fullDpo))).toContain('hyperparameters.lora.enabled');
    expect(stack.calls()).not.toHaveProperty('POST /jobs');
  });

  it('are null for full training on a Together model not offered for it, which createJob refuses', async () => {
    const limits = await limitsOf(TOGETHER, LARGE);
    expect(limits.batchSizes).toEqual({
      loraSft: { min: 8, max: 16, default: 16 },
      loraDpo: { min: 8, max: 8, default: 8 },
      fullSft: null,
      fullDpo: null,
    });
    const trainingFileId = await upload(new File([TOGETHER_CSV], 'train.csv', { type: 'text/csv' }));
    const job = { baseModelId: LARGE, files: { trainingFileId }, hyperparameters: { ...FULL, batchSize: 8 } };
    expect(await refusedFields(TOGETHER, job)).toEqual(['hyperparameters.lora.enabled']);
  });

  it("on Together, a job of each method at its largest batch and most checkpoints, or at the limits' default batch, is created", async () => {
    const limits = await limitsOf(TOGETHER, SMALL);
    const files = {
      sft: await upload(new File([TOGETHER_CSV], 'train.csv', { type: 'text/csv' })),
      dpo: await upload(new File([PREFERENCE_JSONL], 'pairs.jsonl')),
    };
    for (const [method, settings] of Object.entries(METHODS)) {
      const batch = limits.batchSizes[method as keyof typeof METHODS]!;
      const trainingFileId = 'dpo' in settings ? files.dpo : files.sft;
      const create = async (hyperparameters: object) => {
        const input = { name: `largest-${method}`, baseModelId: SMALL, files: { trainingFileId }, hyperparameters };
        const answer = await gql(TOGETHER, CREATE, { i: input });
        expect(answer.errors, method).toBeUndefined();
        return answer.data!.createJob.hyperparameters.batchSize as number;
      };
      const most = { ...settings, nCheckpoints: limits.nCheckpoints!.max };
      expect(await create({ ...most, batchSize: batch.max }), method).toBe(batch.max);
      expect(await create(settings), method).toBe(batch.default);
    }
  });
});
