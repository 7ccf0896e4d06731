import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSchema } from '../../src/upstream/schemas.js';
import { caller, readAnswer, startSimulator, type Simulator } from './harness.js';

const MAX = 4096;
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ maxUploadBytes: MAX });
});
afterAll(() => sim.close());

describe('POST /files', () => {
  it('answers a File with a column preview of at most five values and inferred types', async () => {
    const csv =
      'question,answer,score,ratio,ok\n' +
      Array.from({ length: 7 }, (_, i) => `q${i},a${i},${i},${i}.5,true`).join('\n');
    const res = await caller(sim).upload('train.csv', csv);
    expect(res.status).toBe(201);
    expect(() => fileSchema.parse(res.body)).not.toThrow();
    expect(res.body).toMatchObject({ name: 'train.csv', bytes: Buffer.byteLength(csv), workspace_id: 'demo-org' });
    expect(res.body.id).toMatch(/^file-/);
    expect(res.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(res.body.columns).toEqual([
      { name: 'question', type: 'string', values: ['q0', 'q1', 'q2', 'q3', 'q4'] },
      { name: 'answer', type: 'string', values: ['a0', 'a1', 'a2', 'a3', 'a4'] },
      { name: 'score', type: 'integer', values: ['0', '1', '2', '3', '4'] },
      { name: 'ratio', type: 'number', values: ['0.5', '1.5', '2.5', '3.5', '4.5'] },
      { name: 'ok', type: 'boolean', values: ['true', 'true', 'true', 'true', 'true'] },
    ]);
    const again = await caller(sim).call('GET', `/files/${res.body.id}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
  });

  it('parses quoted fields with embedded commas, quotes and newlines, and drops a UTF-8 BOM', async () => {
    const csv = '\uFEFFprompt,answer\r\n"Hello, world","line one\nline two"\r\n"say ""hi""",plain\r\n';
    const res = await caller(sim).upload('quoted.csv', csv);
    expect(res.status).toBe(201);
    expect(res.body.columns).toEqual([
      { name: 'prompt', type: 'string', values: ['Hello, world', 'say "hi"'] },
      { name: 'answer', type: 'string', values: ['line one\nline two', 'plain'] },
    ]);
  });

  it.each([
    ['an empty file', '', /^file: the file is empty$/],
    ['a header without rows', 'question,answer\n', /header row but no data rows/],
    ['no header (a first row of numbers)', '1,2\n3,4\n', /needs a header row/],
    ['an unclosed quote', 'q,a\n"open,x\n', /^file: not a valid CSV file: Quote Not Closed/],
    ['inconsistent column counts', 'q,a\n1,2\n3\n', /^file: not a valid CSV file: Invalid Record Length/],
    ['a duplicate column name', 'q,q\n1,2\n', /names column "q" twice/],
    ['JSON', '{"question": "a", "answer": "b"}\n', /^file: not a valid CSV file/],
  ])('refuses %s with 400', async (_, content, message) => {
    const res = await caller(sim).upload('bad.csv', content);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_argument');
    expect(res.body.message).toMatch(message);
  });

  it('refuses binary content (a PNG, invalid UTF-8) with 400', async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const res = await caller(sim).upload('image.csv', png);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('file: not a valid CSV file: it holds binary data (NUL bytes)');
    const latin1 = await caller(sim).upload('latin1.csv', Uint8Array.from([...Buffer.from('q,a\ncaf'), 0xe9, 0x0a]));
    expect(latin1.body.message).toBe('file: not a valid CSV file: it is not UTF-8 text');
  });

  it('refuses a body that is not multipart, or has no "file" part', async () => {
    const api = caller(sim);
    const json = await api.call('POST', '/files', { file: 'q,a\n1,2' });
    expect(json.status).toBe(400);
    expect(json.body.message).toMatch(/multipart\/form-data/);
    const wrongField = await api.upload('train.csv', 'q,a\n1,2\n', 'data');
    expect(wrongField.status).toBe(400);
    expect(wrongField.body.message).toBe('file: the multipart body has no file part named "file"');
  });

  it('answers 413 with the envelope past maxUploadBytes, streamed without a Content-Length', async () => {
    const boundary = 'simulator-test-boundary';
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\nq,a\n`,
      );
      const chunk = Buffer.from('x,y\n'.repeat(1024));
      // Far more than the limit: the simulator must answer without waiting for all of it.
      for (let i = 0; i < 64; i++) yield chunk;
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }
    const res = await request(`${caller(sim).base}/files`, {
      method: 'POST',
      headers: { authorization: 'Bearer demo-token', 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: Readable.from(body()),
    });
    expect(res.statusCode).toBe(413);
    expect(await res.body.json()).toEqual({
      code: 'invalid_argument',
      message: 'file: larger than the 4096 bytes upload limit',
    });
  });

  it('answers 413 up front when Content-Length is far beyond the limit', async () => {
    const res = await caller(sim).upload('big.csv', `q,a\n${'x,y\n'.repeat(100_000)}`);
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('invalid_argument');
  });

  it('answers 404 for an unknown file id', async () => {
    const res = await caller(sim).call('GET', '/files/file-missing');
    expect(res).toMatchObject({
      status: 404,
      body: { code: 'not_found', message: 'no file "file-missing" in this organization' },
    });
  });

  it('is still reachable after refused uploads (no stuck connections)', async () => {
    const res = await readAnswer(await fetch(`${sim.origin}/__admin/health`));
    expect(res.body).toEqual({ status: 'ok' });
  });
});
