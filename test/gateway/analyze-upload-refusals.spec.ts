/**
 * Regression: the multipart layer's refusals (a body too slow, parts sent out of order, a part past
 * MAX_UPLOAD_BYTES, a part that never came) named `file` on `analyzeDataset`, whose upload fields are
 * `trainingFile` and `validationFile`. They now name the input field whose part was being read, from
 * its variable path in "map", in the message and in `extensions.field`, as the analysis's own errors do.
 * The bodies are fed by hand, in-process, so that a test decides where the body stalls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenPool, type TokenPool } from '../../src/preflight/token-pool.js';
import { MISTRAL_V02 } from '../simulator/harness.js';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

const MAX_UPLOAD_BYTES = 2000;
const BOUNDARY = 'analyze-refusals-boundary';
const ANALYZE =
  'query($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) { training { rowsRead } validation { rowsRead } } }';
// Another root field beside the analysis: the parts are held to MAX_UPLOAD_BYTES (upload-limits.ts).
const MIXED =
  'query($input: AnalyzeDatasetInput!) { baseModels { id } analyzeDataset(input: $input) { training { rowsRead } } }';
const INPUT = { baseModelId: MISTRAL_V02, promptColumn: 'question', answerColumn: 'answer' };
const BOTH = { trainingFile: 'variables.input.trainingFile', validationFile: 'variables.input.validationFile' };

const csv = (rows: number, word: string) =>
  `question,answer\n${Array.from({ length: rows }, (_, i) => `"${word} question ${i}?","${word} answer ${i}."\n`).join('')}`;
const field = (name: string, value: string) =>
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const fileHead = (name: string, filename: string) =>
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"; filename="${filename}"\r\ncontent-type: text/csv\r\n\r\n`;
const END = `\r\n--${BOUNDARY}--\r\n`;

/** The "operations" and "map" fields of `query`, part "0" filling `first` and part "1" `second` (of BOTH). */
function head(query: string, first: keyof typeof BOTH, second?: keyof typeof BOTH): string {
  const input = { ...INPUT, trainingFile: null, validationFile: null };
  const map = { 0: [BOTH[first]], ...(second ? { 1: [BOTH[second]] } : {}) };
  return field('operations', JSON.stringify({ query, variables: { input } })) + field('map', JSON.stringify(map));
}

let stack: Stack;
let pool: TokenPool;
beforeAll(async () => {
  pool = createTokenPool({ maxThreads: 1 });
  stack = await startStack({
    // A body must bring 1000 bytes in each 1 s window; a stalled one is cut within two seconds.
    env: { UPLOAD_MIN_BYTES_PER_SECOND: '1000', UPLOAD_RATE_WINDOW_SECONDS: '1' },
    gateway: { tokenPool: pool, maxUploadBytes: MAX_UPLOAD_BYTES, maxAnalyzeBytes: 10 * 1024 * 1024 },
  });
});
afterAll(async () => {
  await stack.close();
  await pool.close();
});

/** Sends `data` as a multipart body; it then ends, or stalls (never ends) with `stall`. */
async function post(data: string, { stall = false } = {}): Promise<GraphQLResponse> {
  const bytes = new TextEncoder().encode(data);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.subarray(i, i + 16 * 1024));
      if (!stall) controller.close();
    },
  });
  const response = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { ...headersFor(DEMO), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, ...((await response.json()) as Omit<GraphQLResponse, 'status'>) };
}

/** The one error of `res`: BAD_USER_INPUT on analyzeDataset, naming `name` first and in `extensions.field`. */
function expectNames(res: GraphQLResponse, name: string, rest: string | RegExp) {
  expect(res.errors).toEqual([
    expect.objectContaining({
      message:
        typeof rest === 'string' ? `${name}: ${rest}` : expect.stringMatching(new RegExp(`^${name}: ${rest.source}`)),
      path: ['analyzeDataset'],
      extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: name }),
    }),
  ]);
}

const TOO_SLOW =
  /the upload arrived too slowly and was cut: \d+ bytes in the last 1 s, below the minimum of 1000 bytes\/s \(UPLOAD_MIN_BYTES_PER_SECOND, over 1 s windows\)\.$/;

describe('multipart refusals on analyzeDataset name the field whose part was being read', () => {
  it('a body cut too slow while the validation part streams names validationFile (HTTP 408)', async () => {
    const res = await post(
      head(ANALYZE, 'trainingFile', 'validationFile') +
        fileHead('0', 'train.csv') +
        csv(40, 'training') +
        `\r\n${fileHead('1', 'valid.csv')}${csv(5, 'validation')}`,
      { stall: true },
    );
    expect(res.status).toBe(408);
    expectNames(res, 'validationFile', TOO_SLOW);
  });

  it('a body cut too slow while the training part streams names trainingFile (HTTP 408)', async () => {
    const res = await post(
      head(ANALYZE, 'trainingFile', 'validationFile') + fileHead('0', 'train.csv') + csv(40, 'training'),
      { stall: true },
    );
    expect(res.status).toBe(408);
    expectNames(res, 'trainingFile', TOO_SLOW);
  });

  it('a body cut too slow before its "map" names no field: no part was mapped yet (HTTP 408)', async () => {
    const res = await post(head(ANALYZE, 'trainingFile').slice(0, 300), { stall: true });
    expect(res.status).toBe(408);
    expect(res.errors).toEqual([
      {
        message: expect.stringMatching(/^The multipart request arrived too slowly and was cut: \d+ bytes/),
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
  });

  it('a training part used after the validation part sent first names trainingFile, and the part before it', async () => {
    // Large enough that busboy cannot go past the unread validation part to the training part.
    const validation = csv(30_000, 'validation');
    const res = await post(
      head(ANALYZE, 'validationFile', 'trainingFile') +
        `${fileHead('0', 'valid.csv')}${validation}\r\n${fileHead('1', 'train.csv')}${csv(5, 'training')}${END}`,
    );
    expectNames(
      res,
      'trainingFile',
      'part "1" is used before part "0" (validationFile), which was sent first; file parts must be sent in the order the operation uses them',
    );
  });

  it('a validation part past MAX_UPLOAD_BYTES (an operation beside the analysis) names validationFile (HTTP 413)', async () => {
    const training = csv(5, 'training');
    expect(training.length).toBeLessThan(MAX_UPLOAD_BYTES);
    const res = await post(
      head(MIXED, 'trainingFile', 'validationFile') +
        `${fileHead('0', 'train.csv')}${training}\r\n${fileHead('1', 'valid.csv')}${csv(200, 'validation')}${END}`,
    );
    expect(res.status).toBe(413);
    expectNames(
      res,
      'validationFile',
      `"valid.csv" is larger than the upload limit of ${MAX_UPLOAD_BYTES} bytes (MAX_UPLOAD_BYTES)`,
    );
  });

  it('a validation part that "map" names but the body never sends names validationFile', async () => {
    const res = await post(
      head(ANALYZE, 'trainingFile', 'validationFile') + `${fileHead('0', 'train.csv')}${csv(5, 'training')}${END}`,
    );
    expectNames(res, 'validationFile', 'the multipart request has no file part "1" although "map" names it.');
  });
});

describe('what a "map" may hold', () => {
  const UPLOAD = 'mutation($file: Upload!) { uploadFile(file: $file) { id } }';
  const ops = field('operations', JSON.stringify({ query: UPLOAD, variables: { file: null } }));

  it('more part names than a request may carry (10) is refused before any part is made', async () => {
    // Regression: a map of 30,000 names held the event loop for a second or more (an error made per name).
    const map = Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`p${i}`, ['variables.file']]));
    const res = await post(ops + field('map', JSON.stringify(map)) + END);
    expect(res.status).toBe(400);
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: 'Multipart "map" names 30000 file parts; a request may carry at most 10.',
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
    ]);
  });

  it('a part name is shown cut to 64 characters, not whole', async () => {
    // Regression: a 500 KB map key came back whole in the refusal of the part never sent.
    const name = 'P'.repeat(100_000);
    const res = await post(ops + field('map', JSON.stringify({ [name]: ['variables.file'] })) + END);
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: `file: the multipart request has no file part "${'P'.repeat(64)}…" although "map" names it.`,
      }),
    ]);
  });
});
