/**
 * A Float literal beyond the largest number (trial: `weightDecay: 1e309` inline priced a Together job,
 * and `createJob` sent `null` upstream, which answered "weight_decay must be a number; got null"): refused
 * at validation, where the document names it, on every provider and every field, asking no upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { togetherSettingsProblems } from '../../src/resolvers/validate-together-job.js';
import type { TogetherModelLimits } from '../../src/upstream/together/wire-files.js';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

async function send(query: string, headers: Record<string, string>): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as GraphQLResponse;
}

const TOGETHER = { authorization: 'Bearer demo-token', 'x-provider': 'together' };
const calls = () =>
  [...Object.entries(stack.simulator.stats()), ...Object.entries(stack.togetherSimulator!.stats())].filter(
    ([, n]) => n > 0,
  );

const estimate = (hyperparameters: string) =>
  `{ costEstimate(input: { name: "x", baseModelId: "meta-llama/Llama-3.2-3B-Instruct",
     files: { trainingFileId: "together:file-1" }, hyperparameters: { ${hyperparameters} } }) { cost } }`;

describe('a Float literal beyond the largest number', () => {
  it.each([
    ['weightDecay: 1e309', 'Together', TOGETHER, '1e309'],
    ['weightDecay: 0, earlyStopping: { patience: 1, warmupEvals: 0, minDelta: 1e309 }', 'Together', TOGETHER, '1e309'],
    ['weightDecay: 0, dpo: { beta: -2e400 }', 'Together', TOGETHER, '-2e400'],
    [`learningRate: ${'9'.repeat(400)}`, 'Nscale', headersFor(DEMO), '99999999999999999999… (400 digits)'],
  ])('%s is refused on %s before any upstream call, naming the literal', async (fields, _provider, headers, shown) => {
    stack.simulator.resetStats();
    stack.togetherSimulator!.resetStats();
    const answer = await send(estimate(fields), headers);
    expect(answer.data).toBeUndefined();
    expect(answer.errors).toEqual([
      expect.objectContaining({
        message: `${shown} is beyond the largest number a Float holds (about 1.8e308): send a finite number.`,
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
        locations: [expect.objectContaining({ line: expect.any(Number) })],
      }),
    ]);
    expect(calls()).toEqual([]);
  });

  it.each([
    ['a 400-digit Int literal for an Int', `{ jobs(first: ${'9'.repeat(400)}) { totalCount } }`],
    ['a Float literal beyond the largest for an Int', '{ jobs(first: 1e309) { totalCount } }'],
    ['a 400-digit literal for an ID', `{ job(id: ${'9'.repeat(400)}) { id } }`],
  ])('leaves %s to the rules of an Int or an ID: one error for the one value', async (_case, query) => {
    const answer = await send(query, headersFor(DEMO));
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors![0]!.message).not.toMatch(/beyond the largest number/);
  });

  it('leaves the largest finite Float to the field’s own rule', async () => {
    const answer = await send(estimate('weightDecay: 1e308'), TOGETHER);
    expect(answer.errors?.[0]?.message).not.toMatch(/beyond the largest number/);
  });

  it('is refused by Together’s own checks too, should a non-finite number reach them', () => {
    const limits: TogetherModelLimits = {
      modelName: 'a-model',
      maxEpochs: 20,
      maxEvals: 100,
      maxCheckpoints: 20,
      learningRate: { min: 1e-7, max: 1 },
      maxSeqLength: { sft: null, dpo: null },
      minMaxSeqLength: null,
      lora: { min: 8, max: 32, maxDpo: 16, maxRank: 64, targetModules: [] },
      full: null,
    };
    const h = {
      nEpochs: 1,
      nEvals: 3,
      batchSize: 16,
      learningRate: 0.0001,
      warmupRatio: 0,
      weightDecay: Infinity,
      bestCheckpoints: false,
      maskPromptLabels: false,
      lora: { enabled: true, r: 8, alpha: 8, dropout: 0, trainableModules: [] },
      dpo: { beta: Infinity },
      earlyStopping: { patience: 1, warmupEvals: 0, minDelta: Infinity },
    };
    const problems = togetherSettingsProblems(h as never, limits, true).map((p) => p.message);
    expect(problems).toEqual(
      expect.arrayContaining([
        'hyperparameters.weightDecay: Infinity is not a finite number ≥ 0',
        'hyperparameters.dpo.beta: Infinity is not a finite number above 0',
        'hyperparameters.earlyStopping.minDelta: Infinity is not a finite number ≥ 0',
      ]),
    );
  });
});
