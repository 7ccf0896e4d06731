/**
 * Uploads: the body is streamed to Together's upload URL, never held whole (bytes produced versus
 * bytes undici wrote to the socket, from its diagnostics channel), and the CSV choice: a CSV with
 * prompt and answer columns becomes Together's instruction JSONL on the way; any other CSV, and any
 * other format, is refused before anything reaches Together.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, count, startTogetherWorld, streamOf, type TogetherWorld } from './together-world.js';

let w: TogetherWorld;
beforeAll(async () => {
  w = await startTogetherWorld();
});
afterAll(() => w.close());
afterEach(() => w.sim.resetStats());

const MiB = 1024 * 1024;

describe('Together client: uploads', () => {
  it('streams a large JSONL body: never more than a small window produced ahead of what was sent', async () => {
    const line = `${JSON.stringify({ prompt: 'p'.repeat(900), completion: 'c'.repeat(100) })}\n`;
    const lines = Math.ceil((20 * MiB) / line.length);
    let produced = 0;
    let sent = 0;
    let widest = 0;
    const onChunk = (message: unknown): void => {
      const { request, chunk } = message as { request: { method: string }; chunk: Uint8Array | string };
      if (request.method !== 'PUT') return;
      sent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    };
    async function* generate(): AsyncGenerator<Buffer> {
      for (let i = 0; i < lines; i += 64) {
        widest = Math.max(widest, produced - sent);
        const block = Buffer.from(line.repeat(Math.min(64, lines - i)));
        produced += block.length;
        yield block;
      }
    }
    subscribe('undici:request:bodyChunkSent', onChunk);
    try {
      const file = await w.client.uploadFile(ALICE, { filename: 'big.jsonl', body: Readable.from(generate()) });
      expect(file).toMatchObject({ bytes: produced, valid: true, lines });
    } finally {
      unsubscribe('undici:request:bodyChunkSent', onChunk);
    }
    expect(produced).toBeGreaterThan(20 * MiB - 1);
    expect(sent).toBe(produced);
    expect(widest).toBeLessThan(2 * MiB);
  });

  it('converts a CSV with prompt and answer columns to instruction JSONL', async () => {
    const csv = 'id,prompt,answer\n1,"Say ""hi""","hi"\n2,"Two\nlines",ok\n';
    const file = await w.client.uploadFile(ALICE, { filename: 'data.csv', body: streamOf(csv) });
    expect(file).toMatchObject({ name: 'data.jsonl', valid: true, lines: 2, datasetFormat: 'instruction' });
    const res = await fetch(`${w.sim.apiBaseUrl}/files/${file.id}/content`, {
      headers: { authorization: `Bearer ${ALICE.token}` },
    });
    expect(
      (await res.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { prompt: 'Say "hi"', completion: 'hi' },
      { prompt: 'Two\nlines', completion: 'ok' },
    ]);
  });

  it('takes the CSV columns the caller names', async () => {
    const csv = 'question,reply\nq1,r1\n';
    const file = await w.client.uploadFile(ALICE, {
      filename: 'named.csv',
      body: streamOf(csv),
      csv: { promptColumn: 'question', answerColumn: 'reply' },
    });
    expect(file.lines).toBe(1);
  });

  it('refuses a CSV without the columns, and other formats, before anything reaches Together', async () => {
    await expect(
      w.client.uploadFile(ALICE, { filename: 'x.csv', body: streamOf('question,reply\nq,r\n') }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'file',
      message: expect.stringMatching(/Together fine-tunes on JSONL.*"question", "reply"/),
    });
    await expect(w.client.uploadFile(ALICE, { filename: 'x.parquet', body: streamOf('PAR1') })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/Together takes JSONL/),
    });
    expect(count(w.sim, 'POST /files')).toBe(0);
  });

  it('a CSV row that cannot be converted fails the upload and leaves no file behind', async () => {
    const before = (await w.client.listFiles(ALICE)).length;
    await expect(
      w.client.uploadFile(ALICE, { filename: 'bad.csv', body: streamOf('prompt,answer\nq1,a1\nq2,\n') }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/row 2: the answer is empty/) });
    expect((await w.client.listFiles(ALICE)).length).toBe(before);
    expect(count(w.sim, 'DELETE /files/{id}')).toBe(1);
  });

  it('a CSV row wider or narrower than its header (an unquoted comma) is refused, not read by position', async () => {
    const before = (await w.client.listFiles(ALICE)).length;
    await expect(
      w.client.uploadFile(ALICE, {
        filename: 'comma.csv',
        body: streamOf('prompt,answer\nq1,a1\nWhat is 1,000 in words?,one thousand\n'),
      }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'file',
      message:
        'comma.csv: row 2: has 3 fields, the header names 2 (an unquoted comma?); quote a value that holds a comma.',
    });
    await expect(
      w.client.uploadFile(ALICE, { filename: 'short.csv', body: streamOf('id,prompt,answer\n1,q1,a1\n2,q2\n') }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'short.csv: row 2: has 2 of 3 fields: no value for "answer".',
    });
    expect((await w.client.listFiles(ALICE)).length).toBe(before);
  });

  it('an invalid JSONL file is kept by Together and reported as such', async () => {
    const file = await w.client.uploadFile(ALICE, { filename: 'bad.jsonl', body: streamOf('{"nope": 1}\n') });
    expect(file).toMatchObject({ processingStatus: 'INVALID_FORMAT', valid: false });
    expect(file.validationError).toEqual(expect.any(String));
  });
});
