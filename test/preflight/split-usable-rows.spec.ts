/**
 * The split's rows are the rows its tokens count (a trial): `trainingRows` counted every row read, an
 * unusable one (extra fields, an empty answer) too, while `trainingTokens` counted the usable ones
 * only; on Nscale a held-out row was taken from the rows read while the training rows were not. Now
 * the training and validation rows are the usable rows trained and evaluated on, the hold-out is
 * still the service's (its last 1% by position, whatever they hold), and the figure still agrees to
 * the token with the upstream's dry run.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplateFor } from '../../src/contract/chat-templates.js';
import { heldOutRows } from '../../src/contract/hold-out.js';
import { countRowTokens } from '../../src/contract/row-tokens.js';
import { loadTokenCounter, type TokenCounter } from '../../src/contract/tokenizers.js';
import { createTokenPool, type TokenPool } from '../../src/preflight/token-pool.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';
import {
  gatewayMultipart,
  gatewayUpload,
  TOGETHER_HEADERS,
  TOGETHER_MODEL,
  type FileParts,
} from '../harness/together-job.js';

const EXAMPLE = readFileSync(new URL('../../examples/support-faq.csv', import.meta.url), 'utf8');
const MISTRAL = 'a7b8c9d0-e1f2-3456-abcd-789012345678';
const NSCALE = headersFor(DEMO);
/** The trial's file: row 2 has an extra field, row 3 an empty answer; rows 1 and 4 are usable. */
const TRIAL_CSV = 'question,answer\nq1,a1\nq2,a2,extra\nq3,\nq4,a4\n';

let stack: Stack;
let pool: TokenPool;
let mistral: TokenCounter;
beforeAll(async () => {
  pool = createTokenPool({ maxThreads: 1 });
  stack = await startStack({ gateway: { tokenPool: pool } });
  mistral = await loadTokenCounter('mistral');
});
afterAll(async () => {
  await stack.close();
  await pool.close();
});

const tokens = (prompt: string, answer: string): number =>
  countRowTokens(mistral, chatTemplateFor(MISTRAL)!, prompt, answer).total;

const ANALYZE = `query($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) {
  training { rowsRead usableRows tokens { total } }
  validation { rowsRead usableRows tokens { total } }
  split { validationSource trainingRows validationRows heldOutRows trainingTokens validationTokens }
  cost { tokens }
  upstreamEstimate { tokens cost matchesLocal }
} }`;

/** analyzeDataset on `training` (and `validation`), the prompt and answer columns `question` and `answer`. */
async function analyze(
  headers: Record<string, string>,
  input: Record<string, unknown>,
  training: string,
  validation?: string,
): Promise<Record<string, any>> {
  const files: FileParts = { 'variables.input.trainingFile': new File([training], 'train.csv') };
  if (validation !== undefined) files['variables.input.validationFile'] = new File([validation], 'valid.csv');
  const res = await gatewayMultipart(
    stack.gateway,
    ANALYZE,
    {
      input: {
        trainingFile: null,
        ...(validation !== undefined ? { validationFile: null } : {}),
        promptColumn: 'question',
        answerColumn: 'answer',
        ...input,
      },
    },
    files,
    headers,
  );
  expect(res.errors).toBeUndefined();
  return res.data!.analyzeDataset as Record<string, any>;
}

/** `csv` uploaded to Nscale and made a dataset: its id, for the upstream's dry run beside the analysis. */
async function nscaleDataset(csv: string): Promise<string> {
  const uploaded = await gatewayUpload(stack.gateway, new File([csv], 'train.csv'), { headers: NSCALE });
  expect(uploaded.errors).toBeUndefined();
  const dataset = await stack.gql<any>(
    'mutation($f: ID!) { createDataset(input: { name: "split", trainingFileId: $f }) { id } }',
    { f: uploaded.data!.uploadFile.id },
  );
  expect(dataset.errors).toBeUndefined();
  return dataset.data.createDataset.id as string;
}

describe('analyzeDataset on Nscale: the split counts the rows its tokens count', () => {
  it('the trial file: one row trained on, the last (usable) held out; the others are no rows of the split', async () => {
    const report = await analyze(
      NSCALE,
      { baseModelId: MISTRAL, hyperparameters: { nEpochs: 2, nEvals: 1 } },
      TRIAL_CSV,
    );
    expect(report.training).toMatchObject({ rowsRead: 4, usableRows: 2 });
    expect(report.split).toEqual({
      validationSource: 'HOLD_OUT',
      trainingRows: 1,
      validationRows: 1,
      heldOutRows: 1,
      trainingTokens: tokens('q1', 'a1'),
      validationTokens: tokens('q4', 'a4'),
    });
    expect(report.cost.tokens).toBe(2 * tokens('q1', 'a1') + tokens('q4', 'a4'));
  });

  it('empty answers before and within the hold-out: the rows are the usable ones, and the dry run agrees', async () => {
    // 250 rows: the service holds out the last 3 (1%, rounded), rows 248 to 250; row 249's answer is
    // empty, and so are rows 10 and 20 of the training part.
    const empty = new Set([10, 20, 249]);
    const rows = Array.from(
      { length: 250 },
      (_, i) => `question ${i + 1}?,${empty.has(i + 1) ? '' : `answer ${i + 1}`}`,
    );
    const csv = `question,answer\n${rows.join('\n')}\n`;
    expect(heldOutRows(250)).toBe(3);
    const datasetId = await nscaleDataset(csv);
    const report = await analyze(
      NSCALE,
      { baseModelId: MISTRAL, compareWithDatasetId: datasetId, hyperparameters: { nEpochs: 3, nEvals: 2 } },
      csv,
    );
    expect(report.training).toMatchObject({ rowsRead: 250, usableRows: 247 });
    const tokensOf = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => from + i)
        .filter((row) => !empty.has(row))
        .reduce((sum, row) => sum + tokens(`question ${row}?`, `answer ${row}`), 0);
    expect(report.split).toEqual({
      validationSource: 'HOLD_OUT',
      trainingRows: 245,
      validationRows: 2,
      heldOutRows: 3,
      trainingTokens: tokensOf(1, 247),
      validationTokens: tokensOf(248, 250),
    });
    expect(report.upstreamEstimate).toMatchObject({ tokens: report.cost.tokens, matchesLocal: true });
  });

  it('the example dataset: 47 rows trained on; the row held out is the empty one, so nothing is evaluated', async () => {
    const datasetId = await nscaleDataset(EXAMPLE);
    const report = await analyze(
      NSCALE,
      { baseModelId: MISTRAL, compareWithDatasetId: datasetId, hyperparameters: { nEpochs: 3, nEvals: 1 } },
      EXAMPLE,
    );
    expect(report.training).toMatchObject({ rowsRead: 48, usableRows: 47 });
    expect(report.split).toMatchObject({
      validationSource: 'HOLD_OUT',
      trainingRows: 47,
      heldOutRows: 1,
      validationRows: 0,
      validationTokens: 0,
      trainingTokens: report.training.tokens.total,
    });
    expect(report.upstreamEstimate.matchesLocal).toBe(true);
  });

  it('a validation file: its usable rows are the rows of one evaluation', async () => {
    const report = await analyze(
      NSCALE,
      { baseModelId: MISTRAL, hyperparameters: { nEpochs: 1, nEvals: 1 } },
      'question,answer\nq1,a1\nq2,\nq3,a3\n',
      'question,answer\nv1,b1\nv2,\nv3,b3,extra\nv4,b4\n',
    );
    expect(report.validation).toMatchObject({ rowsRead: 4, usableRows: 2 });
    expect(report.split).toEqual({
      validationSource: 'VALIDATION_FILE',
      trainingRows: 2,
      validationRows: 2,
      heldOutRows: 0,
      trainingTokens: tokens('q1', 'a1') + tokens('q3', 'a3'),
      validationTokens: tokens('v1', 'b1') + tokens('v4', 'b4'),
    });
  });
});

describe('analyzeDataset on Together: no hold-out, and the rows trained on are the usable ones', () => {
  it('the trial file: 2 rows trained on, the 2 unusable ones not counted', async () => {
    const report = await analyze(TOGETHER_HEADERS, { baseModelId: TOGETHER_MODEL }, TRIAL_CSV);
    expect(report.training).toMatchObject({ rowsRead: 4, usableRows: 2 });
    expect(report.split).toEqual({
      validationSource: 'NONE',
      trainingRows: 2,
      validationRows: 0,
      heldOutRows: 0,
      trainingTokens: report.training.tokens.total,
      validationTokens: 0,
    });
  });

  it('the example dataset with its empty answer: 47 rows trained on, as many as are usable', async () => {
    const report = await analyze(TOGETHER_HEADERS, { baseModelId: TOGETHER_MODEL }, EXAMPLE);
    expect(report.training).toMatchObject({ rowsRead: 48, usableRows: 47 });
    expect(report.split).toMatchObject({
      trainingRows: 47,
      heldOutRows: 0,
      trainingTokens: report.training.tokens.total,
    });
  });

  it('a validation file: its usable rows are the rows of one evaluation', async () => {
    const report = await analyze(
      TOGETHER_HEADERS,
      { baseModelId: TOGETHER_MODEL, hyperparameters: { nEpochs: 1, nEvals: 1 } },
      'question,answer\nq1,a1\nq2,a2\n',
      'question,answer\nv1,b1\nv2,b2,extra\nv3,b3\n',
    );
    expect(report.validation).toMatchObject({ rowsRead: 3, usableRows: 2 });
    expect(report.split).toEqual({
      validationSource: 'VALIDATION_FILE',
      trainingRows: 2,
      validationRows: 2,
      heldOutRows: 0,
      trainingTokens: report.training.tokens.total,
      validationTokens: report.validation.tokens.total,
    });
  });
});
