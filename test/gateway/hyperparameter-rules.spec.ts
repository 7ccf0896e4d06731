/**
 * Property tests of the job validator over the contract's hyperparameter rules: whatever numbers a
 * client sends, the validator accepts exactly the jobs within the contract's ranges, and each refusal
 * names the field, echoes the value and states the rule. The oracle below is written from the
 * contract's numbers, independently of the validator's code. The upstream is the simulator, through
 * the real client and one set of loaders: after the first run every lookup is served from the loaders.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HYPERPARAMETER_RULES,
  LORA_RULES,
  TRAINABLE_MODULES,
  type NumericRule,
} from '../../src/contract/hyperparameters.js';
import { BaseModelCatalogue } from '../../src/resolvers/base-model-catalogue.js';
import { createLoaders, type Loaders } from '../../src/resolvers/loaders.js';
import { validateJobInput, type CreateJobArgs } from '../../src/resolvers/validate-job-input.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../../src/upstream/client.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO } from '../harness/stack.js';

let simulator: Simulator;
let client: ClosableUpstreamClient;
let loaders: Loaders;
let datasetId: string;
let batchSizes: number[];

beforeAll(async () => {
  simulator = await startSimulator({ port: 0 });
  client = createUpstreamClient({ baseUrl: simulator.apiBaseUrl, deadlineMs: 5_000 });
  ({ datasetId } = await seedDataset({ client }, DEMO));
  loaders = createLoaders(client, DEMO, new BaseModelCatalogue({ ttlMs: 60_000 }));
  batchSizes = (await loaders.baseModel.load(LLAMA_INSTRUCT))!.supportedBatchSizes;
});
afterAll(async () => {
  await client.close();
  await simulator.close();
});

/** Numbers around a rule: its bounds, values just outside, any double nearby, integers nearby. */
function around(rule: NumericRule): fc.Arbitrary<number> {
  const max = rule.max ?? rule.min + 10;
  const span = max - rule.min;
  return fc.oneof(
    fc.constantFrom(rule.min, max, rule.default, rule.min - span / 1000, max + span / 1000),
    fc.double({ min: rule.min - span, max: max + span, noNaN: true }),
    fc.integer({ min: Math.floor(rule.min) - 3, max: Math.ceil(max) + 3 }),
  );
}

const hyperparameters = fc.record(
  {
    nEpochs: around(HYPERPARAMETER_RULES.nEpochs),
    nEvals: around(HYPERPARAMETER_RULES.nEvals),
    batchSize: fc.integer({ min: -4, max: 40 }),
    learningRate: around(HYPERPARAMETER_RULES.learningRate),
    warmupRatio: around(HYPERPARAMETER_RULES.warmupRatio),
    weightDecay: around(HYPERPARAMETER_RULES.weightDecay),
    bestCheckpoints: fc.boolean(),
    maskPromptLabels: fc.boolean(),
    lora: fc.record(
      {
        enabled: fc.boolean(),
        r: around(LORA_RULES.r),
        alpha: around(LORA_RULES.alpha),
        dropout: around(LORA_RULES.dropout),
        trainableModules: fc.array(fc.constantFrom(...TRAINABLE_MODULES), { maxLength: 8 }),
      },
      { noNullPrototype: true },
    ),
  },
  { noNullPrototype: true },
); // GraphQL hands resolvers plain objects; the accepted job is compared with isDeepStrictEqual, which compares prototypes.

const within = (rule: NumericRule, v: number) =>
  (!rule.integer || Number.isInteger(v)) && v >= rule.min && (rule.max === undefined || v <= rule.max);

/** What the contract says is wrong with `hp`: the fields a validator must name, and nothing else. */
function violations(hp: CreateJobArgs['hyperparameters']): Map<string, number | boolean | string[]> {
  const wrong = new Map<string, number | boolean | string[]>();
  for (const [key, rule] of Object.entries(HYPERPARAMETER_RULES)) {
    const v = hp[key as keyof typeof HYPERPARAMETER_RULES];
    if (!within(rule, v)) wrong.set(`hyperparameters.${key}`, v);
  }
  if (!batchSizes.includes(hp.batchSize)) wrong.set('hyperparameters.batchSize', hp.batchSize);
  for (const [key, rule] of Object.entries(LORA_RULES)) {
    const v = hp.lora[key as keyof typeof LORA_RULES];
    if (!within(rule, v)) wrong.set(`hyperparameters.lora.${key}`, v);
  }
  if (!hp.lora.enabled) wrong.set('hyperparameters.lora.enabled', false);
  if (new Set(hp.lora.trainableModules).size !== hp.lora.trainableModules.length)
    wrong.set('hyperparameters.lora.trainableModules', hp.lora.trainableModules);
  return wrong;
}

const args = (hp: CreateJobArgs['hyperparameters']): CreateJobArgs => ({
  name: 'property',
  baseModelId: LLAMA_INSTRUCT,
  dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
  hyperparameters: hp,
});

describe('the job validator over the hyperparameter rules', () => {
  it('accepts exactly the jobs within the contract, and each refusal names the field, the value and the rule', async () => {
    await fc.assert(
      // Plain checks (no `expect` per run: thousands of runs); fast-check shrinks and prints a counterexample.
      fc.asyncProperty(hyperparameters, async (hp) => {
        const result = await validateJobInput(args(hp), loaders);
        const wrong = violations(hp);
        if (result.ok) return wrong.size === 0 && isDeepStrictEqual(result.job.hyperparameters, hp);
        const fields = result.problems.map((p) => p.field).sort();
        if (!isDeepStrictEqual(fields, [...wrong.keys()].sort())) return false;
        return result.problems.every(({ field, message }) => {
          const value = String(wrong.get(field));
          // The field first, then the value, then the rule (some words after the value).
          return (
            message.startsWith(`${field}: `) &&
            message.includes(value) &&
            message.length > field.length + value.length + 12
          );
        });
      }),
      { numRuns: 2_000 },
    );
    expect(simulator.stats()['POST /jobs'] ?? 0).toBe(0);
  });
});
