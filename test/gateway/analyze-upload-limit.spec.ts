/**
 * The size of a file part depends on the operation: `analyzeDataset` reads files up to its own limit
 * (ANALYZE_MAX_BYTES), every other operation keeps the upload limit (MAX_UPLOAD_BYTES), and so does an
 * operation that mixes `analyzeDataset` with another root field. Small limits keep the test fast.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenPool, type TokenPool } from '../../src/preflight/token-pool.js';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

const MISTRAL = 'a7b8c9d0-e1f2-3456-abcd-789012345678';
const MAX_UPLOAD_BYTES = 2000;
const ANALYZE_MAX_BYTES = 20_000;

/** A question/answer CSV of exactly `bytes` bytes. */
function csvOf(bytes: number): string {
  let csv = 'question,answer\n';
  for (let i = 1; csv.length < bytes - 200; i++)
    csv += `"What does step ${i} of the setup do?","It prepares part ${i} of the training data."\n`;
  const last = 'What is left?,';
  return `${csv}${last}${'x'.repeat(bytes - csv.length - last.length - 1)}\n`;
}

const ANALYZE =
  'query Analyze($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) { training { rowsRead usableRows } } }';
const UPLOAD = 'mutation Upload($file: Upload!) { uploadFile(file: $file) { id } }';

let stack: Stack;
let pool: TokenPool;
let url: string;
beforeAll(async () => {
  pool = createTokenPool({ maxThreads: 1 });
  stack = await startStack({
    http: true,
    gateway: { tokenPool: pool, maxUploadBytes: MAX_UPLOAD_BYTES, maxAnalyzeBytes: ANALYZE_MAX_BYTES },
  });
  url = stack.server!.url;
});
afterAll(async () => {
  await stack.close();
  await pool.close();
});
beforeEach(() => stack.simulator.resetStats());

/**
 * One multipart request with `csv` as its file part "0", mapped to `path`. The body is sent as one
 * buffer (not streamed part by part), so that the file's bytes arrive with its part's headers.
 */
async function send(operations: Record<string, unknown>, path: string, csv: string): Promise<GraphQLResponse> {
  const form = new FormData();
  form.set('operations', JSON.stringify(operations));
  form.set('map', JSON.stringify({ 0: [path] }));
  form.set('0', new Blob([csv], { type: 'text/csv' }), 'data.csv');
  const encoded = new Response(form);
  const body = Buffer.from(await encoded.arrayBuffer());
  const headers = { ...headersFor(DEMO), 'content-type': encoded.headers.get('content-type')! };
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers, body });
  return { status: response.status, ...((await response.json()) as object) };
}

const analyzeInput = { trainingFile: null, baseModelId: MISTRAL, promptColumn: 'question', answerColumn: 'answer' };
const analyze = (query: string, csv: string, extra: Record<string, unknown> = {}) =>
  send({ query, variables: { input: analyzeInput }, ...extra }, 'variables.input.trainingFile', csv);

const uploadRefusal = {
  message: `file: "data.csv" is larger than the upload limit of ${MAX_UPLOAD_BYTES} bytes (MAX_UPLOAD_BYTES)`,
  extensions: { code: 'BAD_USER_INPUT', field: 'file' },
};

describe('file part limit by operation', () => {
  const between = csvOf(10_000);

  it('analyzeDataset reads a file larger than MAX_UPLOAD_BYTES, up to ANALYZE_MAX_BYTES', async () => {
    expect(Buffer.byteLength(between)).toBe(10_000);
    const res = await analyze(ANALYZE, between);
    expect(res.errors).toBeUndefined();
    const rows = between.trimEnd().split('\n').length - 1;
    expect(res.data?.analyzeDataset.training).toEqual({ rowsRead: rows, usableRows: rows });
  });

  it('uploadFile refuses the same file with 413 naming MAX_UPLOAD_BYTES, without calling the upstream', async () => {
    const res = await send({ query: UPLOAD, variables: { file: null } }, 'variables.file', between);
    expect(res.status).toBe(413);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject(uploadRefusal);
    expect(stack.calls()['POST /files']).toBeUndefined();
  });

  it('analyzeDataset refuses a file past ANALYZE_MAX_BYTES, naming that setting', async () => {
    const res = await analyze(ANALYZE, csvOf(30_000));
    expect(res.status).toBeLessThan(500);
    expect(res.errors?.[0]).toMatchObject({
      message: `trainingFile: larger than the analysis limit of ${ANALYZE_MAX_BYTES} bytes (ANALYZE_MAX_BYTES)`,
      extensions: { code: 'BAD_USER_INPUT', field: 'trainingFile' },
    });
  });

  it('an operation with analyzeDataset and another root field keeps MAX_UPLOAD_BYTES, naming trainingFile', async () => {
    const mixed =
      'query($input: AnalyzeDatasetInput!) { baseModels { id } analyzeDataset(input: $input) { training { rowsRead } } }';
    const res = await analyze(mixed, between);
    expect(res.status).toBe(413);
    // It named `file` (uploadFile's argument), which this operation has not.
    expect(res.errors?.[0]).toMatchObject({
      message: `trainingFile: "data.csv" is larger than the upload limit of ${MAX_UPLOAD_BYTES} bytes (MAX_UPLOAD_BYTES)`,
      extensions: { code: 'BAD_USER_INPUT', field: 'trainingFile' },
    });
  });

  it('the selected operation decides: uploadFile beside an analyzeDataset operation keeps MAX_UPLOAD_BYTES', async () => {
    const res = await send(
      { query: `${ANALYZE}\n${UPLOAD}`, operationName: 'Upload', variables: { file: null } },
      'variables.file',
      between,
    );
    expect(res.status).toBe(413);
    expect(res.errors?.[0]).toMatchObject(uploadRefusal);
    expect(stack.calls()['POST /files']).toBeUndefined();
    // The same document with the analysis selected reads the file.
    const analysed = await analyze(`${ANALYZE}\n${UPLOAD}`, between, { operationName: 'Analyze' });
    expect(analysed.errors).toBeUndefined();
  });
});
