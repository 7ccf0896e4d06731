/**
 * Regression: a CSV upload to Together whose body stalled once rows were being converted was answered
 * HTTP 200 with `file: data.csv: row 41: file: the upload arrived too slowly and was cut: …`, the
 * upload's own refusal taken for a row's problem by the CSV→JSONL conversion, where Nscale answers
 * 408 `file: the upload arrived too slowly and was cut: …`. Now both answer alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

const BOUNDARY = 'stalled-upload-boundary';
const UPLOAD = 'mutation($file: Upload!) { uploadFile(file: $file) { id } }';
const field = (name: string, value: string) =>
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const HEAD =
  field('operations', JSON.stringify({ query: UPLOAD, variables: { file: null } })) +
  field('map', JSON.stringify({ 0: ['variables.file'] })) +
  `--${BOUNDARY}\r\ncontent-disposition: form-data; name="0"; filename="data.csv"\r\ncontent-type: text/csv\r\n\r\n`;
const CSV = `prompt,answer\n${Array.from({ length: 200 }, (_, i) => `"question ${i}?","answer ${i}."\n`).join('')}`;

let stack: Stack;
beforeAll(async () => {
  // A body must bring 1000 bytes in each 1 s window; a stalled one is cut within two seconds.
  stack = await startStack({ env: { UPLOAD_MIN_BYTES_PER_SECOND: '1000', UPLOAD_RATE_WINDOW_SECONDS: '1' } });
});
afterAll(async () => {
  await stack.close();
});

/** The upload's head and the CSV's first rows, then nothing more: the body never ends. */
async function stalledUpload(provider: 'nscale' | 'together'): Promise<GraphQLResponse> {
  const bytes = new TextEncoder().encode(HEAD + CSV);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 1024) controller.enqueue(bytes.subarray(i, i + 1024));
    },
  });
  const who =
    provider === 'nscale' ? headersFor(DEMO) : { authorization: `Bearer ${DEMO.token}`, 'x-provider': 'together' };
  const response = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { ...who, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, ...((await response.json()) as Omit<GraphQLResponse, 'status'>) };
}

const TOO_SLOW =
  /^file: the upload arrived too slowly and was cut: \d+ bytes in the last 1 s, below the minimum of 1000 bytes\/s \(UPLOAD_MIN_BYTES_PER_SECOND, over 1 s windows\)\.$/;

describe('an upload whose body stalls while its CSV rows are read', () => {
  it.each(['nscale', 'together'] as const)('%s: HTTP 408, the upload’s refusal as it is', async (provider) => {
    const res = await stalledUpload(provider);
    expect(res.status).toBe(408);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.message).toMatch(TOO_SLOW);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file' });
  });
});
