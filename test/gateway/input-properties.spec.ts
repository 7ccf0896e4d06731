/**
 * Proof (issue 8): thousands of generated raw variables for `createJob` and `costEstimate`, well-typed
 * and not (wrong types, nulls, huge numbers, NaN-ish strings, unicode, missing and extra fields), sent
 * through the gateway in-process against the simulator. Whatever comes in:
 * - never a 5xx, and never INTERNAL_SERVER_ERROR;
 * - every refusal is a coded error of the vocabulary, naming the field where there is one
 *   (`extensions.field` for the gateway's checks; the variable path in graphql-js's coercion message);
 * - a refusal never reaches `POST /jobs` (no job, no estimate), and a refusal decided from the input
 *   alone (its variables do not coerce) makes no upstream call at all (simulator stats, per case).
 * An accepted input makes exactly one `POST /jobs`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors/error-code.js';
import { LLAMA_INSTRUCT, QWEN_SMALL, seedDataset } from '../harness/fixtures.js';
import { DEMO, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let datasetId: string;
beforeAll(async () => {
  stack = await startStack();
  datasetId = (await seedDataset(stack, DEMO)).datasetId;
});
afterAll(() => stack.close());

/** Values of the wrong kind, or of the right kind at its edges. */
const weird = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.constantFrom(2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1e308, -1e-320, 0.1 + 0.2, -0),
    fc.double(), // NaN and ±Infinity become null in JSON
    fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e309', '0x10', '', ' ', '4', 'true', 'null'),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
  );

/** A field: usually a plausible value, sometimes anything, sometimes absent. */
const field = <T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: plausible },
    { weight: 2, arbitrary: weird() },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

const modules = fc.uniqueArray(
  fc.constantFrom('Q_PROJ', 'K_PROJ', 'V_PROJ', 'O_PROJ', 'GATE_PROJ', 'UP_PROJ', 'DOWN_PROJ', 'ALL'),
  { maxLength: 3 },
);

const jobInput = (): fc.Arbitrary<unknown> =>
  fc.record(
    {
      name: field(fc.oneof(fc.constant('job'), fc.string({ unit: 'grapheme', maxLength: 12 }))),
      baseModelId: field(fc.constantFrom(LLAMA_INSTRUCT, QWEN_SMALL, 'no-such-model')),
      dataset: field(
        fc.record(
          {
            id: field(fc.constantFrom('DATASET', 'ds-none')),
            promptColumn: field(fc.constantFrom('question', 'answer', 'nope', null)),
            answerColumn: field(fc.constantFrom('answer', 'question', 'nope')),
          },
          { requiredKeys: [] },
        ),
      ),
      hyperparameters: field(
        fc.record(
          {
            nEpochs: field(fc.integer({ min: -2, max: 25 })),
            nEvals: field(fc.integer({ min: -2, max: 120 })),
            batchSize: field(fc.constantFrom(1, 4, 8, 16, 32, 64)),
            learningRate: field(fc.double({ min: 0, max: 0.02, noNaN: true })),
            warmupRatio: field(fc.double({ min: -0.5, max: 1.5, noNaN: true })),
            weightDecay: field(fc.double({ min: -0.5, max: 1.5, noNaN: true })),
            bestCheckpoints: field(fc.boolean()),
            maskPromptLabels: field(fc.boolean()),
            lora: field(
              fc.record(
                {
                  enabled: field(fc.boolean()),
                  r: field(fc.integer({ min: 0, max: 300 })),
                  alpha: field(fc.integer({ min: 0, max: 300 })),
                  dropout: field(fc.double({ min: -0.2, max: 1.2, noNaN: true })),
                  trainableModules: field(modules),
                },
                { requiredKeys: [] },
              ),
            ),
            extra: fc.constant(undefined),
          },
          { requiredKeys: [] },
        ),
      ),
      unexpected: fc.oneof(fc.constant(undefined), weird()),
    },
    { requiredKeys: [] },
  );

/** A job every rule accepts, for the seeded dataset (its columns are `question` and `answer`). */
const validJob = (): fc.Arbitrary<Record<string, unknown>> =>
  fc.record({
    name: fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
      .filter((n) => n.trim() !== '' && !/[\u0000-\u001f\u007f-\u009f]/.test(n)),
    baseModelId: fc.constantFrom(LLAMA_INSTRUCT, QWEN_SMALL),
    dataset: fc.record({
      id: fc.constant('DATASET'),
      promptColumn: fc.constantFrom('question', null),
      answerColumn: fc.constant('answer'),
    }),
    hyperparameters: fc.record({
      nEpochs: fc.integer({ min: 1, max: 20 }),
      nEvals: fc.integer({ min: 0, max: 100 }),
      batchSize: fc.constantFrom(4, 8),
      learningRate: fc.double({ min: 1e-8, max: 0.01, noNaN: true }),
      warmupRatio: fc.double({ min: 0, max: 1, noNaN: true }),
      weightDecay: fc.double({ min: 0, max: 1, noNaN: true }),
      bestCheckpoints: fc.boolean(),
      maskPromptLabels: fc.boolean(),
      lora: fc.record({
        enabled: fc.constant(true),
        r: fc.constantFrom(8, 16),
        alpha: fc.constantFrom(8, 16),
        dropout: fc.double({ min: 0, max: 1, noNaN: true }),
        trainableModules: modules,
      }),
    }),
  });

const PATHS = [
  'name',
  'baseModelId',
  'dataset',
  'dataset.id',
  'dataset.promptColumn',
  'dataset.answerColumn',
  'hyperparameters',
  'hyperparameters.nEpochs',
  'hyperparameters.batchSize',
  'hyperparameters.learningRate',
  'hyperparameters.lora',
  'hyperparameters.lora.r',
  'hyperparameters.lora.dropout',
  'hyperparameters.lora.trainableModules',
  'unexpected',
];

/** A valid job with one field replaced by anything at all (or removed). */
const nearlyValidJob = (): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(validJob(), fc.constantFrom(...PATHS), fc.oneof(weird(), fc.constant(undefined)))
    .map(([job, path, value]) => {
      const keys = path.split('.');
      let at: Record<string, unknown> = job;
      for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
      at[keys.at(-1)!] = value;
      return job;
    });

/** The raw variables: a valid job, a nearly valid one, a free-for-all, or `i` of the wrong kind or missing. */
const variables = (): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(
    { weight: 2, arbitrary: validJob().map((i) => ({ i })) },
    { weight: 6, arbitrary: nearlyValidJob().map((i) => ({ i })) },
    { weight: 6, arbitrary: jobInput().map((i) => ({ i })) },
    { weight: 1, arbitrary: weird().map((i) => ({ i })) },
    { weight: 1, arbitrary: fc.constant({}) },
  );

/** Puts the seeded dataset's id where the generator wrote DATASET (ids are only known at run time). */
const withDataset = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value ?? null).replaceAll('"DATASET"', JSON.stringify(datasetId)));

const VOCABULARY = new Set<string>(ERROR_CODES);
const OPERATIONS = [
  ['createJob', 'mutation($i: CreateJobInput!) { createJob(input: $i) { id status } }'],
  ['costEstimate', 'query($i: CreateJobInput!) { costEstimate(input: $i) { cost currency } }'],
] as const;

describe.each(OPERATIONS)('%s with generated raw variables', (name, query) => {
  it('never fails on the server side, refuses with coded errors naming the field, and refusals call nothing that costs', async () => {
    const tally = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(variables(), async (raw) => {
        const vars = withDataset(raw) as Record<string, unknown>;
        stack.simulator.resetStats();
        const res = await stack.gql(query, vars);
        const calls = stack.calls();
        const posts = calls['POST /jobs'] ?? 0;
        expect(res.status, JSON.stringify(res)).toBeLessThan(500);
        if (!res.errors?.length) {
          tally.accepted++;
          expect(res.data?.[name]).toBeTruthy();
          expect(posts).toBe(1);
          return;
        }
        tally.refused++;
        expect(res.data?.[name] ?? null).toBeNull();
        expect(posts, JSON.stringify(res.errors)).toBe(0);
        for (const error of res.errors) {
          const code = error.extensions?.code as string;
          expect(VOCABULARY.has(code), JSON.stringify(error)).toBe(true);
          expect(code, JSON.stringify(error)).not.toBe('INTERNAL_SERVER_ERROR');
          if (code !== 'BAD_USER_INPUT') continue;
          if (error.extensions?.field !== undefined) {
            expect(error.message.startsWith(`${error.extensions.field}: `), error.message).toBe(true);
          } else {
            // graphql-js's own coercion errors: the variable and its path, never its value; decided before any call.
            expect(error.message, error.message).toMatch(/^Variable "\$i"/);
            expect(calls).toEqual({});
          }
        }
      }),
      { numRuns: 1000, endOnFailure: true },
    );
    // The generator reaches both sides.
    expect(tally.accepted).toBeGreaterThan(20);
    expect(tally.refused).toBeGreaterThan(400);
  }, 90_000);
});
