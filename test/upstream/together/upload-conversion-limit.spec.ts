/**
 * Regression: a CSV within the upload limit whose JSONL (each row's keys, JSON escapes) is over it.
 * The conversion streamed it on until Together refused the PUT mid-stream, and the caller read
 * "The file is larger than the 262144-byte upload limit." (or a broken connection, EPIPE) of a file
 * smaller than that. Now the conversion counts what it makes, sends nothing past the limit, and
 * refuses the upload naming the CSV's size, the JSONL's, the limit, and the conversion as the cause;
 * a client not told the limit turns Together's 413 into the same account.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTogetherSimulator, type TogetherSimulator } from '../../../src/simulator/together/index.js';
import { createTogetherClient } from '../../../src/upstream/together/together-client.js';
import type { TogetherClient } from '../../../src/upstream/together/together-client-types.js';

const LIMIT = 256 * 1024;
const KEY = { token: 'alice-key' };
let sim: TogetherSimulator;
let told: TogetherClient;
let untold: TogetherClient;
beforeAll(async () => {
  sim = await startTogetherSimulator({ maxUploadBytes: LIMIT, tenants: [{ token: KEY.token, accountId: 'alice' }] });
  told = createTogetherClient({ baseUrl: sim.apiBaseUrl, maxUploadBytes: LIMIT });
  untold = createTogetherClient({ baseUrl: sim.apiBaseUrl });
});
afterAll(async () => {
  await told.close();
  await untold.close();
  await sim.close();
});

/** `rows` rows of a short prompt and a 100-line answer: each answer line break becomes `\n` (2 bytes) in JSON. */
function growingCsv(rows: number): { csv: string; jsonlBytes: number } {
  const answer = 'x\n'.repeat(100);
  const csv = `prompt,answer\n${`q,"${answer}"\n`.repeat(rows)}`;
  const jsonlBytes = rows * Buffer.byteLength(`${JSON.stringify({ prompt: 'q', completion: answer })}\n`);
  return { csv, jsonlBytes };
}

/** In 4 KiB chunks, as an upload arrives. */
const chunked = (text: string): Readable =>
  Readable.from(
    Buffer.from(text)
      .toString('latin1')
      .match(/[^]{1,4096}/g)!
      .map((c) => Buffer.from(c, 'latin1')),
  );

const stat = (key: string): number => sim.stats()[key] ?? 0;

describe('a CSV whose JSONL outgrows the upload limit', () => {
  it('is refused by the conversion, naming both sizes, the limit and why, with nothing past the limit sent', async () => {
    const { csv, jsonlBytes } = growingCsv(1200);
    const csvBytes = Buffer.byteLength(csv);
    expect(csvBytes).toBeLessThan(LIMIT);
    expect(jsonlBytes).toBeGreaterThan(LIMIT);
    sim.resetStats();
    let sent = 0;
    const onChunk = (message: unknown): void => {
      const { request, chunk } = message as { request: { method: string }; chunk: Uint8Array | string };
      if (request.method === 'PUT') sent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    };
    subscribe('undici:request:bodyChunkSent', onChunk);
    const error = await told
      .uploadFile(KEY, { filename: 'grow.csv', body: chunked(csv) })
      .catch((e: unknown) => e)
      .finally(() => unsubscribe('undici:request:bodyChunkSent', onChunk));
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(LIMIT);
    expect(error).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'file',
      message:
        `grow.csv: too large once converted to JSONL: its ${csvBytes.toLocaleString('en-US')} bytes of CSV make ` +
        `${jsonlBytes.toLocaleString('en-US')} bytes of JSONL, over Together's upload limit of 262,144 bytes. ` +
        'Together fine-tunes on JSONL only, and the CSV→JSONL conversion writes each row as {"prompt": …, ' +
        '"completion": …}, escaping quotes, backslashes and line breaks, which makes the file larger; split ' +
        `the CSV into files of at most about ${Math.floor((csvBytes * LIMIT) / jsonlBytes).toLocaleString('en-US')} bytes each.`,
    });
    // The pending file is deleted, and no file is left.
    expect(stat('DELETE /files/{id}')).toBe(1);
    expect(await told.listFiles(KEY)).toEqual([]);
  });

  it('a CSV whose JSONL is exactly the limit goes through', async () => {
    const answer = 'x\n'.repeat(100);
    const line = Buffer.byteLength(`${JSON.stringify({ prompt: 'q', completion: answer })}\n`);
    const rows = Math.floor(LIMIT / line);
    // The last row's prompt padded so that the JSONL is LIMIT bytes to the byte.
    const last = `q${'p'.repeat(LIMIT - rows * line)}`;
    const csv = `prompt,answer\n${`q,"${answer}"\n`.repeat(rows - 1)}${last},"${answer}"\n`;
    const file = await told.uploadFile(KEY, { filename: 'exact.csv', body: chunked(csv) });
    expect(file).toMatchObject({ bytes: LIMIT, valid: true, lines: rows });
    await told.deleteFile(KEY, file.id);
  });

  it('measured as far as it converts: a bad row after the limit makes it "more than"', async () => {
    const { csv } = growingCsv(1200);
    const error = await told
      .uploadFile(KEY, { filename: 'grow.csv', body: chunked(`${csv}q,a,extra\n`) })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(
        /^grow\.csv: too large once converted to JSONL: it makes more than [\d,]+ bytes of JSONL, over Together's upload limit of 262,144 bytes\. Together fine-tunes on JSONL only/,
      ),
    });
  });

  it('a client not told the limit: Together’s 413 is said to be the conversion’s doing', async () => {
    const { csv } = growingCsv(1200);
    const error = await untold.uploadFile(KEY, { filename: 'grow.csv', body: chunked(csv) }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'file',
      status: 413,
      message: expect.stringMatching(
        /^grow\.csv: too large once converted to JSONL: Together refused it as over its upload limit \("The file is larger than the 262144-byte upload limit\."\) once the conversion had made [\d,]+ bytes of JSONL\. Together fine-tunes on JSONL only, .*; split the CSV into smaller files\.$/,
      ),
    });
    expect(await untold.listFiles(KEY)).toEqual([]);
  });
});
