/**
 * Regression: one caller's analyses held the whole analysis pool (one thread on 2 cores), another
 * tenant's 6 KB file waited minutes behind them, and a queued upload was cut as "arrived too slowly"
 * though it was the gateway that had stopped reading it. Each caller now has a share of the pool
 * (ANALYZE_MAX_PER_CALLER, here 1), refused at once past it; another caller is served meanwhile; and
 * a part waiting for a place is not held against the client's pace. No timing is asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenPool, type TokenPool } from '../../src/preflight/token-pool.js';
import type { Credentials } from '../../src/upstream/types.js';
import { MISTRAL_V02 } from '../simulator/harness.js';
import { DEMO, OTHER, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

const BOUNDARY = 'fair-share-boundary';
const QUERY = 'query($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) { training { rowsRead } } }';
const INPUT = { baseModelId: MISTRAL_V02, promptColumn: 'question', answerColumn: 'answer', trainingFile: null };
const rows = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `"question ${from + i}?","answer ${from + i}."\n`).join('');
const HEAD =
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="operations"\r\n\r\n` +
  `${JSON.stringify({ query: QUERY, variables: { input: INPUT } })}\r\n` +
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="map"\r\n\r\n` +
  `${JSON.stringify({ 0: ['variables.input.trainingFile'] })}\r\n` +
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="0"; filename="t.csv"\r\ncontent-type: text/csv\r\n\r\n` +
  'question,answer\n';
const END = `\r\n--${BOUNDARY}--\r\n`;
const encode = (s: string) => new TextEncoder().encode(s);

let stack: Stack;
let pool: TokenPool;
beforeAll(async () => {
  // One place in all: a second analysis of anyone waits for it.
  pool = createTokenPool({ maxThreads: 1, filesPerThread: 1, admission: { perCaller: 1, maxWaitMs: 120_000 } });
  stack = await startStack({
    // A body must bring 1000 bytes in each 1 s window.
    env: { UPLOAD_MIN_BYTES_PER_SECOND: '1000', UPLOAD_RATE_WINDOW_SECONDS: '1' },
    gateway: { tokenPool: pool, maxAnalyzeBytes: 64 * 1024 * 1024 },
  });
});
afterAll(async () => {
  await stack.close();
  await pool.close();
});

async function post(creds: Credentials, body: ReadableStream<Uint8Array>): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { ...headersFor(creds), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, ...((await response.json()) as Omit<GraphQLResponse, 'status'>) };
}

/** A body whole at once: `n` rows. */
const whole = (n: number) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      const bytes = encode(HEAD + rows(0, n) + END);
      for (let i = 0; i < bytes.length; i += 16 * 1024) c.enqueue(bytes.subarray(i, i + 16 * 1024));
      c.close();
    },
  });

/** A body that brings rows well above the pace (4 KB every 100 ms) until `finish()`: an analysis in flight. */
function flowing() {
  let finish = () => {};
  let row = 0;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(encode(HEAD));
      const timer = setInterval(() => {
        c.enqueue(encode(rows(row, 100)));
        row += 100;
      }, 100);
      finish = () => {
        clearInterval(timer);
        c.enqueue(encode(END));
        c.close();
      };
    },
  });
  return { body, finish: () => finish(), rows: () => row };
}

const settled = async (p: Promise<unknown>) =>
  Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), 50))]);

describe('each caller has a share of the analysis pool', () => {
  it("refuses a caller's analysis past its share at once, while its first runs and another caller waits unharmed", async () => {
    const first = flowing();
    const running = post(DEMO, first.body);
    while (first.rows() < 500) await new Promise((r) => setTimeout(r, 50));

    const second = await post(DEMO, whole(3));
    expect(second.status).toBe(429);
    expect(second.errors).toEqual([
      expect.objectContaining({
        message:
          'This caller already has 1 dataset analyses running or waiting on this gateway (ANALYZE_MAX_PER_CALLER); ' +
          'retry once one of them has ended.',
        extensions: expect.objectContaining({ code: 'RATE_LIMITED', limitedBy: 'gateway', retryAfterSeconds: 1 }),
      }),
    ]);

    // Another caller's large file waits for the one place, over several 1 s pace windows in which the
    // gateway reads none of it: not the client's slowness, so not cut.
    const other = post(OTHER, whole(60_000));
    await new Promise((r) => setTimeout(r, 3500));
    expect(await settled(running)).toBe(false);
    first.finish();
    const done = await running;
    expect(done.errors).toBeUndefined();
    expect(done.data?.analyzeDataset.training.rowsRead).toBe(first.rows());
    const served = await other;
    expect(served.errors).toBeUndefined();
    expect(served).toMatchObject({ status: 200, data: { analyzeDataset: { training: { rowsRead: 60_000 } } } });
  });

  it('still cuts a body the client itself stalls, once the gateway has read all it was sent', async () => {
    const res = await post(
      DEMO,
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(encode(HEAD + rows(0, 10)));
        },
      }),
    );
    expect(res.status).toBe(408);
    expect(res.errors?.[0]?.message).toMatch(
      /^trainingFile: the upload arrived too slowly and was cut: \d+ bytes in the last 1 s/,
    );
  });
});
