/** `uploadFile` over real HTTP: GraphQL multipart requests streamed to the upstream. */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QA_CSV } from '../harness/fixtures.js';
import { uploadCsv } from '../harness/http-client.js';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack({ http: true, gateway: { maxUploadBytes: 64 * 1024 } });
  url = stack.server!.url;
});
afterAll(() => stack.close());
beforeEach(() => stack.simulator.resetStats());

describe('uploadFile', () => {
  it('uploads a CSV and answers its columns with sample values', async () => {
    const res = await uploadCsv(url, 'qa.csv', QA_CSV, DEMO);
    expect(res.errors).toBeUndefined();
    expect(res.data?.uploadFile).toMatchObject({
      name: 'qa.csv',
      bytes: Buffer.byteLength(QA_CSV),
      columns: [
        { name: 'question', sampleValues: expect.arrayContaining(['What is LoRA?']) },
        { name: 'answer', sampleValues: expect.arrayContaining(['One complete pass through the training data.']) },
      ],
    });
    expect(stack.calls()).toEqual({ 'POST /files': 1 });
  });

  it('keeps quoted fields with commas and newlines, and a UTF-8 BOM, intact', async () => {
    const csv = '\uFEFFprompt,completion\n"Hello, world","line one\nline two"\n';
    const res = await uploadCsv(url, 'tricky.csv', csv, DEMO);
    expect(res.errors).toBeUndefined();
    expect(res.data?.uploadFile.columns.map((c: any) => [c.name, c.sampleValues])).toEqual([
      ['prompt', ['Hello, world']],
      ['completion', ['line one\nline two']],
    ]);
  });

  it("refuses a file that is not CSV with the upstream's message", async () => {
    const res = await uploadCsv(
      url,
      'weights.bin',
      new Uint8Array([0, 159, 146, 150, 0, 1, 2]),
      DEMO,
      'application/octet-stream',
    );
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/csv/i);
  });

  it('refuses a file over the gateway limit with BAD_USER_INPUT naming the limit', async () => {
    const big = `question,answer\n${'"a long question with words","a long answer with more words"\n'.repeat(2000)}`;
    const res = await uploadCsv(url, 'big.csv', big, DEMO);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      message: 'file: "big.csv" is larger than the upload limit of 65536 bytes (MAX_UPLOAD_BYTES)',
      extensions: { code: 'BAD_USER_INPUT', field: 'file' },
    });
  });
});

// Its own simulator: an upload cut off above may still be arriving upstream after its test ended.
describe('malformed multipart requests', () => {
  let fresh: Stack;
  beforeAll(async () => {
    fresh = await startStack({ http: true });
  });
  afterAll(() => fresh.close());

  it('refuses a multipart request without the operations field', async () => {
    const form = new FormData();
    form.set('map', '{}');
    const response = await fetch(`${fresh.server!.url}/graphql`, {
      method: 'POST',
      headers: headersFor(DEMO),
      body: form,
    });
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(response.status).toBe(400);
    expect(body.errors[0]).toMatchObject({
      message: 'Multipart field "map" must come after "operations".',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(fresh.calls()).toEqual({});
  });

  it('refuses a part mapped to two variables (it is streamed once: the second read waited for ever)', async () => {
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: 'mutation($a: Upload!, $b: Upload!) { a: uploadFile(file: $a) { id } b: uploadFile(file: $b) { id } }',
        variables: { a: null, b: null },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.a', 'variables.b'] }));
    form.set('0', new Blob(['a,b\n1,2\n']), 'x.csv');
    const response = await fetch(`${fresh.server!.url}/graphql`, {
      method: 'POST',
      headers: headersFor(DEMO),
      body: form,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]?.message).toBe(
      'Multipart "map": part "0" is mapped to 2 variables; each file part fills exactly one (send the file once for each).',
    );
    expect(fresh.calls()).toEqual({});
  });

  it('refuses a map that points outside the variables', async () => {
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: 'mutation($file: Upload!) { uploadFile(file: $file) { id } }',
        variables: { file: null },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.nope.deeper'] }));
    form.set('0', new Blob(['a,b\n1,2\n']), 'x.csv');
    const response = await fetch(`${fresh.server!.url}/graphql`, {
      method: 'POST',
      headers: headersFor(DEMO),
      body: form,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]?.message).toBe(
      'Multipart "map": "variables.nope.deeper" is not a variable path of the operations.',
    );
  });

  it('an upload refused before its file is read (no credentials) is answered, and the connection stays usable', async () => {
    const big = `question,answer\n${'"q","a"\n'.repeat(20_000)}`;
    const res = await uploadCsv(fresh.server!.url, 'anon.csv', big, null);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(fresh.calls()).toEqual({});
    const after = await uploadCsv(fresh.server!.url, 'ok.csv', 'a,b\n1,2\n', DEMO);
    expect(after.errors).toBeUndefined();
  });

  it('refuses an Upload variable sent as JSON instead of a file part', async () => {
    const res = await fresh.gql('mutation($file: Upload!) { uploadFile(file: $file) { id } }', { file: 'a,b\n1,2' });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toContain('expected a file part of a multipart request');
  });
});

// Its own stack: a request refused midway may leave an upload arriving upstream after its test ended.
describe('several file parts in one request', () => {
  let fresh: Stack;
  beforeAll(async () => {
    fresh = await startStack({ http: true });
  });
  afterAll(() => fresh.close());

  /** A CSV of about `bytes` bytes, large enough to fill the socket buffers and stall an unread part. */
  function csvOf(bytes: number, tag: string): string {
    const row = `"${tag} question with some words","${tag} answer with a few more words"\n`;
    return `question,answer\n${row.repeat(Math.ceil(bytes / row.length))}`;
  }

  async function uploadTwo(query: string, map: Record<string, string[]>, a: string, b: string) {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query, variables: { a: null, b: null } }));
    form.set('map', JSON.stringify(map));
    form.set('0', new Blob([a], { type: 'text/csv' }), 'a.csv');
    form.set('1', new Blob([b], { type: 'text/csv' }), 'b.csv');
    // Without the order rule this request hung until Node's requestTimeout (300 s).
    const response = await fetch(`${fresh.server!.url}/graphql`, {
      method: 'POST',
      headers: headersFor(DEMO),
      body: form,
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, ...((await response.json()) as Omit<GraphQLResponse, 'status'>) };
  }
  const BOTH = { 0: ['variables.a'], 1: ['variables.b'] };

  /** Resolves when the gateway has read the body of the next request to its end (fails after 5 s). */
  function nextBodyRead(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the request body was never read to its end')), 5_000);
      fresh.server!.server.once('request', (req: IncomingMessage) =>
        req.once('end', () => {
          clearTimeout(timer);
          resolve();
        }),
      );
    });
  }
  const a = csvOf(1_600_000, 'first');
  const b = csvOf(1_600_000, 'second');

  it('uploads two files used in the order they are sent', async () => {
    fresh.simulator.resetStats();
    const res = await uploadTwo(
      'mutation($a: Upload!, $b: Upload!) { first: uploadFile(file: $a) { name bytes } second: uploadFile(file: $b) { name bytes } }',
      BOTH,
      a,
      b,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      first: { name: 'a.csv', bytes: Buffer.byteLength(a) },
      second: { name: 'b.csv', bytes: Buffer.byteLength(b) },
    });
    expect(fresh.calls()).toEqual({ 'POST /files': 2 });
  });

  it('file parts used out of order are refused with BAD_USER_INPUT naming both parts, instead of hanging', async () => {
    fresh.simulator.resetStats();
    const bodyRead = nextBodyRead();
    const res = await uploadTwo(
      'mutation($a: Upload!, $b: Upload!) { first: uploadFile(file: $b) { name } second: uploadFile(file: $a) { name } }',
      BOTH,
      a,
      b,
    );
    expect(res.status).toBe(200);
    // uploadFile is non-null, so the failed first field nulls `data` and graphql-js runs no further
    // mutation field: `second` is not attempted (upload-order.spec.ts shows a later field opening part "0").
    expect(res.data).toBeNull();
    expect(res.errors).toEqual([
      expect.objectContaining({
        message:
          'file: part "1" is used before part "0", which was sent first; file parts must be sent in the order the operation uses them',
        path: ['first'],
        extensions: { code: 'BAD_USER_INPUT', field: 'file' },
      }),
    ]);
    expect(fresh.calls()).toEqual({});
    await bodyRead; // Both unread parts were drained.
    const after = await uploadCsv(fresh.server!.url, 'ok.csv', 'a,b\n1,2\n', DEMO);
    expect(after.errors).toBeUndefined();
  });

  it('a file part that no field opens does not keep the request from being answered', async () => {
    fresh.simulator.resetStats();
    const bodyRead = nextBodyRead();
    // Part "1" goes to a variable the operation does not declare: nobody ever reads it.
    const res = await uploadTwo(
      'mutation($a: Upload!) { only: uploadFile(file: $a) { name bytes } }',
      { 0: ['variables.a'], 1: ['variables.b'] },
      a,
      b,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ only: { name: 'a.csv', bytes: Buffer.byteLength(a) } });
    expect(fresh.calls()).toEqual({ 'POST /files': 1 });
    await bodyRead;
  });
});
