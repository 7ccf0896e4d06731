/** `uploadFile` over real HTTP: GraphQL multipart requests streamed to the upstream. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QA_CSV } from '../harness/fixtures.js';
import { uploadCsv } from '../harness/http-client.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

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

  it('refuses a file that is not CSV with the upstream\'s message', async () => {
    const res = await uploadCsv(url, 'weights.bin', new Uint8Array([0, 159, 146, 150, 0, 1, 2]), DEMO, 'application/octet-stream');
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/csv/i);
  });

  it('refuses a file over the gateway limit with BAD_USER_INPUT naming the limit', async () => {
    const big = `question,answer\n${'"a long question with words","a long answer with more words"\n'.repeat(2000)}`;
    const res = await uploadCsv(url, 'big.csv', big, DEMO);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      message: 'file: "big.csv" is larger than the upload limit of 65536 bytes',
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
    const response = await fetch(`${fresh.server!.url}/graphql`, { method: 'POST', headers: headersFor(DEMO), body: form });
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(response.status).toBe(400);
    expect(body.errors[0]).toMatchObject({ message: 'Multipart field "map" must come after "operations".', extensions: { code: 'BAD_USER_INPUT' } });
    expect(fresh.calls()).toEqual({});
  });

  it('refuses a map that points outside the variables', async () => {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: 'mutation($file: Upload!) { uploadFile(file: $file) { id } }', variables: { file: null } }));
    form.set('map', JSON.stringify({ 0: ['variables.nope.deeper'] }));
    form.set('0', new Blob(['a,b\n1,2\n']), 'x.csv');
    const response = await fetch(`${fresh.server!.url}/graphql`, { method: 'POST', headers: headersFor(DEMO), body: form });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]?.message).toBe('Multipart "map": "variables.nope.deeper" is not a variable path of the operations.');
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
