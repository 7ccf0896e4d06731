/**
 * `analyzeDataset` over real HTTP (GraphQL multipart): its figure equals the upstream's dry run on the
 * same data for every tokenizer family, and bad input is BAD_USER_INPUT naming the field, never a 5xx.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenPool, type TokenPool } from '../../src/preflight/token-pool.js';
import { uploadCsv } from '../harness/http-client.js';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

const EXAMPLE = readFileSync(new URL('../../examples/support-faq.csv', import.meta.url), 'utf8');
const MODELS = {
  llama3: 'e5f6a7b8-c9d0-1234-efab-567890123456',
  mistral: 'a7b8c9d0-e1f2-3456-abcd-789012345678',
  qwen2: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  deepseek: 'b1432ae3-b4ce-4e12-be53-ab0555d00f93',
};

let stack: Stack;
let pool: TokenPool;
let url: string;
beforeAll(async () => {
  pool = createTokenPool({ maxThreads: 1 });
  stack = await startStack({ http: true, gateway: { tokenPool: pool, maxAnalyzeBytes: 64 * 1024 } });
  url = stack.server!.url;
});
afterAll(async () => {
  await stack.close();
  await pool.close();
});

const QUERY = `query($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) {
  training { rowsRead usableRows problemCount problems { kind row message } duplicateCount duplicates { row duplicateOf } tokens { total } overContextCount }
  split { validationSource trainingRows validationRows trainingTokens validationTokens }
  cost { tokens cost minimumApplied explanation priceSource }
  tokenizer { packageName templateTokens }
  upstreamEstimate { tokens cost matchesLocal }
} }`;

async function analyze(
  content: string | Uint8Array<ArrayBuffer>,
  input: Record<string, unknown>,
): Promise<GraphQLResponse> {
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query: QUERY,
      variables: { input: { trainingFile: null, promptColumn: 'question', answerColumn: 'answer', ...input } },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.input.trainingFile'] }));
  form.set('0', new Blob([content], { type: 'text/csv' }), 'support-faq.csv');
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: headersFor(DEMO), body: form });
  return { status: response.status, ...((await response.json()) as object) };
}

describe('analyzeDataset', () => {
  let datasetId: string;
  beforeAll(async () => {
    const file = await uploadCsv(url, 'support-faq.csv', EXAMPLE, DEMO);
    const ds = await stack.gql<any>(
      'mutation($f: ID!) { createDataset(input: { name: "faq", trainingFileId: $f }) { id } }',
      { f: file.data!.uploadFile.id },
    );
    datasetId = ds.data.createDataset.id;
  });

  it.each(Object.entries(MODELS))(
    'agrees to the token with the upstream dry run (%s)',
    async (_family, baseModelId) => {
      const res = await analyze(EXAMPLE, {
        baseModelId,
        compareWithDatasetId: datasetId,
        hyperparameters: { nEpochs: 3, nEvals: 2 },
      });
      expect(res.errors).toBeUndefined();
      const report = res.data!.analyzeDataset;
      expect(report.upstreamEstimate).toEqual({
        tokens: report.cost.tokens,
        cost: report.cost.cost,
        matchesLocal: true,
      });
      expect(report.cost.tokens).toBe(3 * report.split.trainingTokens + 2 * report.split.validationTokens);
      expect(report.training).toMatchObject({
        rowsRead: 48,
        usableRows: 47,
        problemCount: 1,
        duplicateCount: 1,
        duplicates: [{ row: 45, duplicateOf: 1 }],
      });
      expect(report.training.problems[0]).toMatchObject({ kind: 'EMPTY_ANSWER', row: 48 });
      // 48 rows: the last one held out (1%), which is the empty answer: nothing to evaluate.
      expect(report.split).toMatchObject({
        validationSource: 'HOLD_OUT',
        trainingRows: 47,
        validationRows: 0,
        validationTokens: 0,
      });
      expect(stack.calls()['POST /jobs']).toBeGreaterThan(0);
    },
  );

  it.each([
    [
      'a binary file',
      new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0]),
      {},
      'trainingFile',
      'trainingFile: not a CSV file: it holds binary data (NUL bytes); the fine-tuning service takes CSV files only: UTF-8 text, a header row naming the columns, then one row per example',
    ],
    ['a 0-byte file', '', {}, 'trainingFile', 'trainingFile: the file is empty'],
    [
      'no such column',
      EXAMPLE,
      { answerColumn: 'reply' },
      'trainingFile',
      'trainingFile: no answer column "reply"; the header row names "question", "answer"',
    ],
    [
      'a file over the analysis limit',
      EXAMPLE.repeat(20),
      {},
      'trainingFile',
      'trainingFile: larger than the analysis limit of 65536 bytes (ANALYZE_MAX_BYTES)',
    ],
  ])('refuses %s with BAD_USER_INPUT naming the field', async (_name, content, input, field, message) => {
    const res = await analyze(content, { baseModelId: MODELS.mistral, ...input });
    expect(res.status).toBeLessThan(500);
    expect(res.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', field } });
  });

  it('refuses an unknown model before reading the file', async () => {
    const res = await analyze(EXAMPLE, { baseModelId: 'no-such-model' });
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'baseModelId' } });
    expect(res.errors?.[0]?.message).toMatch(/^baseModelId: "no-such-model" is not a known base model/);
  });
});
