/**
 * `BaseModel.hyperparameterLimits` on both providers: what it says (Nscale's fixed rules, each Together
 * model's own limits), that it costs the upstream nothing beyond the catalogue, and that it agrees with
 * the gateway's own checks of `createJob` at every boundary, the checkpoints' and each training method's
 * batch sizes too: each value the field takes is accepted and each it refuses is refused, naming the
 * field, and a job at the accepted extremes is created (each method's: hyperparameter-limits-methods.spec.ts).
 */
import { getNamedType, isInputObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { satisfiesLimit, type NumericLimit } from '../../src/contract/hyperparameter-limits.js';
import { sortedSchema } from '../../src/schema/index.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';
import {
  gatewayGql,
  gatewayUpload,
  TOGETHER_CSV,
  TOGETHER_HEADERS as TOGETHER,
  TOGETHER_MODEL,
} from '../harness/together-job.js';

let stack: Stack;
let datasetId: string;
let togetherFiles: { trainingFileId: string; validationFileId: string };

const NSCALE = headersFor(DEMO);

const LIMIT = 'min max maxExclusive integer allowedValues default';
const BATCH_SIZES = `batchSizes { loraSft { ${LIMIT} } loraDpo { ${LIMIT} } fullSft { ${LIMIT} } fullDpo { ${LIMIT} } }`;
const LIMITS = `hyperparameterLimits { nEpochs { ${LIMIT} } nEvals { ${LIMIT} } batchSize { ${LIMIT} } learningRate { ${LIMIT} } warmupRatio { ${LIMIT} } weightDecay { ${LIMIT} } lora { r { ${LIMIT} } alpha { ${LIMIT} } dropout { ${LIMIT} } } nCheckpoints { ${LIMIT} } ${BATCH_SIZES} }`;
const PATHS = [
  'nEpochs',
  'nEvals',
  'batchSize',
  'learningRate',
  'warmupRatio',
  'weightDecay',
  'lora.r',
  'lora.alpha',
  'lora.dropout',
] as const;
const DPO = { dpo: { beta: 0.1 } };
const FULL = { lora: { enabled: false } };
/**
 * A limit, the input field it bounds, the training method that chooses it, and the field `createJob`
 * names when it refuses that method on a model whose limit is null.
 */
interface Case {
  limit: string;
  field: string;
  method: Record<string, unknown>;
  refusedAs?: string;
}
const CASES: Case[] = [
  ...PATHS.map((path) => ({ limit: path, field: path, method: {} })),
  { limit: 'nCheckpoints', field: 'nCheckpoints', method: {}, refusedAs: 'nCheckpoints' },
  { limit: 'batchSizes.loraSft', field: 'batchSize', method: {} },
  { limit: 'batchSizes.loraDpo', field: 'batchSize', method: DPO, refusedAs: 'dpo' },
  { limit: 'batchSizes.fullSft', field: 'batchSize', method: FULL, refusedAs: 'lora.enabled' },
  { limit: 'batchSizes.fullDpo', field: 'batchSize', method: { ...FULL, ...DPO }, refusedAs: 'lora.enabled' },
];
type Limits = Record<string, any>;

const gql = (headers: Record<string, string>, query: string, variables?: object) =>
  gatewayGql(stack.gateway, query, variables, headers);
const uploadTogether = async (name: string): Promise<string> =>
  (await gatewayUpload(stack.gateway, new File([TOGETHER_CSV], name, { type: 'text/csv' }))).data!.uploadFile.id;

const togetherCalls = () => stack.togetherCalls();
const resetStats = () => {
  stack.simulator.resetStats();
  stack.togetherSimulator!.resetStats();
};

beforeAll(async () => {
  // No catalogue cache nor response cache: each request reads the catalogue afresh, so the counts below are one request's.
  stack = await startStack({ gateway: { baseModelCacheMs: 0, responseCache: null } });
  ({ datasetId } = await seedDataset(stack, DEMO));
  togetherFiles = {
    trainingFileId: await uploadTogether('train.csv'),
    validationFileId: await uploadTogether('held.csv'),
  };
});
afterAll(() => stack.close());

const limitsOf = async (headers: Record<string, string>, id: string): Promise<Limits> => {
  const answer = await gql(headers, `query($id: ID!) { baseModel(id: $id) { ${LIMITS} } }`, { id });
  expect(answer.errors).toBeUndefined();
  return answer.data!.baseModel.hyperparameterLimits as Limits;
};

const at = (limits: Limits, path: string): NumericLimit | null =>
  path.split('.').reduce((object: any, key) => object[key], limits) as NumericLimit | null;

/** `{ lora: { r: 8 } }` for `lora.r`; with the case's method, `{ batchSize: 8, lora: { enabled: false } }`. */
const settingAt = (path: string, value: number, method: Record<string, unknown> = {}): Record<string, unknown> => {
  const [head, tail] = path.split('.') as [string, string?];
  const inner = tail ? { ...(method[head] as object), [tail]: value } : value;
  return { ...method, [head]: inner };
};

/** One line per limit: "integer 1 to 20, default 1", "number 0 up to 1 (excluded), default 0", "null". */
const rows = (limits: Limits) =>
  Object.fromEntries(
    CASES.map(({ limit: path }) => {
      const l = at(limits, path);
      if (l === null) return [path, 'null'];
      const range = `${l.min} ${l.maxExclusive ? 'up to' : 'to'} ${l.max ?? 'any'}${l.maxExclusive ? ' (excluded)' : ''}`;
      const only = l.allowedValues ? ` (only ${l.allowedValues.join(' ')})` : '';
      return [path, `${l.integer ? 'integer' : 'number'} ${range}${only}, default ${l.default}`];
    }),
  );

/** Values at and around a limit's bounds; which of them it takes is `satisfiesLimit`'s to say. */
function boundaryValues(limit: NumericLimit): number[] {
  const step = (x: number) => (limit.integer ? 1 : Math.max(Math.abs(x) * 1e-6, 1e-12));
  const values = [limit.min, limit.min - step(limit.min), limit.default];
  if (limit.max === null) values.push(limit.integer ? 2 ** 31 - 1 : 1e6);
  else values.push(limit.max, limit.maxExclusive ? limit.max - step(limit.max) : limit.max + step(limit.max));
  const [first, second] = limit.allowedValues ?? [];
  if (first !== undefined && second !== undefined && second - first > 1) values.push(first + 1);
  return values;
}

describe('BaseModel.hyperparameterLimits', () => {
  it("is Nscale's fixed rules with the model's batch sizes, and each Together model's own limits", async () => {
    expect(rows(await limitsOf(NSCALE, LLAMA_INSTRUCT))).toMatchInlineSnapshot(`
      {
        "batchSize": "integer 4 to 32 (only 4 8 12 16 20 24 28 32), default 4",
        "batchSizes.fullDpo": "null",
        "batchSizes.fullSft": "null",
        "batchSizes.loraDpo": "null",
        "batchSizes.loraSft": "integer 4 to 32 (only 4 8 12 16 20 24 28 32), default 4",
        "learningRate": "number 1e-8 to 0.01, default 0.00001",
        "lora.alpha": "integer 1 to 64, default 8",
        "lora.dropout": "number 0 to 1, default 0",
        "lora.r": "integer 1 to 64, default 8",
        "nCheckpoints": "null",
        "nEpochs": "integer 1 to 20, default 1",
        "nEvals": "integer 0 to 100, default 0",
        "warmupRatio": "number 0 to 1, default 0",
        "weightDecay": "number 0 to any, default 0",
      }
    `);
    // The simulator's limits of this model (src/simulator/together/models.ts, model-limits.ts).
    expect(rows(await limitsOf(TOGETHER, TOGETHER_MODEL))).toMatchInlineSnapshot(`
      {
        "batchSize": "integer 8 to 32, default 32",
        "batchSizes.fullDpo": "integer 8 to 8, default 8",
        "batchSizes.fullSft": "integer 8 to 16, default 16",
        "batchSizes.loraDpo": "integer 8 to 16, default 16",
        "batchSizes.loraSft": "integer 8 to 32, default 32",
        "learningRate": "number 1e-7 to 1, default 0.00001",
        "lora.alpha": "integer 1 to any, default 8",
        "lora.dropout": "number 0 up to 1 (excluded), default 0",
        "lora.r": "integer 1 to 64, default 8",
        "nCheckpoints": "integer 1 to 20, default 1",
        "nEpochs": "integer 1 to 20, default 1",
        "nEvals": "integer 0 to 100, default 0",
        "warmupRatio": "number 0 up to 1 (excluded), default 0",
        "weightDecay": "number 0 to any, default 0",
      }
    `);
  });

  it('costs no upstream call beyond reading the catalogue', async () => {
    const count = async (headers: Record<string, string>, selection: string) => {
      resetStats();
      const answer = await gql(headers, `{ baseModels { id ${selection} } }`);
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.baseModels.length).toBeGreaterThan(0);
      if (selection) expect(answer.data!.baseModels.filter((m: Limits) => !m.hyperparameterLimits)).toEqual([]);
      return { nscale: stack.calls(), together: togetherCalls() };
    };
    const nscale = await count(NSCALE, LIMITS);
    expect(nscale).toEqual({ nscale: { 'GET /base-models': 1 }, together: {} });
    expect(await count(NSCALE, '')).toEqual(nscale);
    // Together: its list of models, and each model's limits, which the catalogue reads anyway.
    const together = await count(TOGETHER, LIMITS);
    expect(together.nscale).toEqual({});
    expect(Object.keys(together.together).sort()).toEqual(['GET /fine-tunes/models/limits', 'GET /models']);
    expect(together.together['GET /models']).toBe(1);
    expect(await count(TOGETHER, '')).toEqual(together);
  });

  it("says whole numbers exactly where the job's input is an Int, on both providers", async () => {
    const input = sortedSchema().getType('HyperparametersInput');
    const lora = sortedSchema().getType('LoraInput');
    if (!isInputObjectType(input) || !isInputObjectType(lora)) throw new Error('no HyperparametersInput');
    const isInt = (path: string) => {
      const [head, tail] = path.split('.');
      const field = tail ? lora.getFields()[tail] : input.getFields()[head!];
      return getNamedType(field!.type).name === 'Int';
    };
    for (const [headers, model] of [
      [NSCALE, LLAMA_INSTRUCT],
      [TOGETHER, TOGETHER_MODEL],
    ] as const) {
      const limits = await limitsOf(headers, model);
      const wrong = CASES.filter(
        ({ limit, field }) => at(limits, limit) && at(limits, limit)!.integer !== isInt(field),
      );
      expect(wrong).toEqual([]);
    }
  });
});

const CREATE =
  'mutation($i: CreateJobInput!) { createJob(input: $i) { id hyperparameters { nEpochs nEvals batchSize learningRate warmupRatio weightDecay lora { r alpha dropout } } } }';

const PROVIDERS = [
  {
    name: 'nscale',
    headers: NSCALE,
    model: LLAMA_INSTRUCT,
    data: () => ({ dataset: { id: datasetId, answerColumn: 'answer' } }),
  },
  { name: 'together', headers: TOGETHER, model: TOGETHER_MODEL, data: () => ({ files: togetherFiles }) },
] as const;

describe.each(PROVIDERS)("createJob's checks on $name", ({ name, headers, model, data }) => {
  it('take exactly the values the limits take, at every boundary, for every training method', async () => {
    const limits = await limitsOf(headers, model);
    // Nscale has no checkpoints, DPO nor full training; this Together model has all.
    expect(CASES.filter(({ limit }) => at(limits, limit) === null).map(({ limit }) => limit)).toEqual(
      name === 'nscale' ? ['nCheckpoints', 'batchSizes.loraDpo', 'batchSizes.fullSft', 'batchSizes.fullDpo'] : [],
    );
    resetStats();
    const disagreements: string[] = [];
    let refused = 0;
    for (const { limit: path, field, method } of CASES) {
      const limit = at(limits, path);
      if (limit === null) continue;
      const values = boundaryValues(limit);
      const verdicts = await Promise.all(
        values.map(async (value) => {
          // A blank name is refused too: every job is refused, and none reaches the upstream.
          const input = { name: ' ', baseModelId: model, ...data(), hyperparameters: settingAt(field, value, method) };
          const answer = await gql(headers, CREATE, { i: input });
          const fields = (answer.errors ?? []).map((e) => e.extensions?.field as string | undefined);
          expect(fields).toContain('name');
          return !fields.includes(`hyperparameters.${field}`);
        }),
      );
      values.forEach((value, i) => {
        const taken = verdicts[i]!;
        if (!taken) refused += 1;
        if (taken !== satisfiesLimit(limit, value))
          disagreements.push(
            `${path}: ${field} = ${value}: createJob ${taken ? 'takes' : 'refuses'} it, the limits do not`,
          );
      });
    }
    expect(disagreements).toEqual([]);
    expect(refused).toBeGreaterThanOrEqual(CASES.filter(({ limit }) => at(limits, limit) !== null).length);
    expect(stack.calls()).not.toHaveProperty('POST /jobs');
    expect(togetherCalls()).not.toHaveProperty('POST /fine-tunes');
  });

  it('creates a job with every setting at the largest value the limits take', async () => {
    const limits = await limitsOf(headers, model);
    // The bound itself where it is taken; half of it where it is not (ratios below 1); the default where there is none.
    const largest = (limit: NumericLimit) =>
      limit.max === null ? limit.default : limit.maxExclusive ? limit.max / 2 : limit.max;
    const hyperparameters = PATHS.reduce<Record<string, any>>((all, path) => {
      const [head, tail] = path.split('.');
      if (tail) all[head!] = { ...all[head!], [tail]: largest(at(limits, path)!) };
      else all[head!] = largest(at(limits, path)!);
      return all;
    }, {});
    const answer = await gql(headers, CREATE, {
      i: { name: 'largest', baseModelId: model, ...data(), hyperparameters },
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.createJob.hyperparameters).toEqual(hyperparameters);
  });
});
