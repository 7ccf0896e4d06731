/**
 * Regressions of the Together CSV→JSONL conversion (src/upstream/together/csv-to-jsonl.ts):
 *
 * - A CSV that is not UTF-8 text was converted anyway: Latin-1 bytes went to Together as U+FFFD, a NUL
 *   byte as `\u0000`, and a UTF-16LE file with its BOM was read as UTF-16 by csv-parse, while the
 *   pre-flight (and Nscale's upload) refuse all three. Now the conversion refuses them in the
 *   pre-flight's words, BAD_USER_INPUT on `file`; a UTF-8 BOM is still taken.
 * - The upload's own refusal (too slow, too large, the client gone) met while reading rows was said to
 *   be a row's problem (`data.csv: row 4996: file: the upload arrived too slowly…`), HTTP 200 instead
 *   of Nscale's 408. Now an error of the source stream goes on as it is.
 */
import { PassThrough, Readable } from 'node:stream';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { HOLDS_NUL_BYTES, NOT_A_CSV_FILE, NOT_UTF8_TEXT } from '../../../src/contract/file-format.js';
import { UpstreamError } from '../../../src/upstream/errors.js';
import { csvToJsonl } from '../../../src/upstream/together/csv-to-jsonl.js';

/** The whole conversion: its JSONL, or the error it ended with (at the header, or mid-stream). */
async function convert(chunks: Buffer[] | Readable): Promise<{ jsonl: string } | { error: unknown }> {
  const source = Array.isArray(chunks) ? Readable.from(chunks) : chunks;
  try {
    const { body } = await csvToJsonl(source, 'data.csv');
    let jsonl = '';
    for await (const chunk of body) jsonl += String(chunk);
    return { jsonl };
  } catch (error) {
    return { error };
  }
}

const rows = (n: number): string => Array.from({ length: n }, (_, i) => `q${i},a${i}\n`).join('');
const notCsv = (why: string) => ({
  error: expect.objectContaining({
    code: 'BAD_USER_INPUT',
    field: 'file',
    message: `data.csv: ${NOT_A_CSV_FILE}: ${why}`,
  }) as unknown,
});

describe('a CSV that is not UTF-8 text', () => {
  it('the pre-flight’s words are the ones shared with the conversion', () => {
    expect(`${NOT_A_CSV_FILE}: ${NOT_UTF8_TEXT}`).toBe('not a CSV file: it is not UTF-8 text');
    expect(`${NOT_A_CSV_FILE}: ${HOLDS_NUL_BYTES}`).toBe('not a CSV file: it holds binary data (NUL bytes)');
  });

  it.each([
    [
      'a Latin-1 byte in a row',
      [Buffer.from('prompt,answer\nq,caf'), Buffer.from([0xe9]), Buffer.from('\n')],
      NOT_UTF8_TEXT,
    ],
    [
      'a Latin-1 byte in the header',
      [Buffer.from([0x70, 0xe9, 0x2c, 0x61, 0x0a]), Buffer.from('q,a\n')],
      NOT_UTF8_TEXT,
    ],
    ['a NUL byte in a cell', [Buffer.from('prompt,answer\nq,a\0b\n')], HOLDS_NUL_BYTES],
    [
      'UTF-16LE with its BOM',
      [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('prompt,answer\nq,a\n', 'utf16le')])],
      HOLDS_NUL_BYTES,
    ],
    [
      'a UTF-16LE BOM before UTF-8 text',
      [Buffer.from([0xff, 0xfe]), Buffer.from('prompt,answer\nq,a\n')],
      NOT_UTF8_TEXT,
    ],
    [
      'a character cut short at the end of the file',
      [Buffer.from('prompt,answer\nq,caf'), Buffer.from([0xc3])],
      NOT_UTF8_TEXT,
    ],
  ])('%s: refused in the pre-flight’s words, nothing converted', async (_name, chunks, why) => {
    expect(await convert(chunks)).toEqual(notCsv(why));
  });

  it('refused as the offending bytes arrive, after the rows before them', async () => {
    const source = new PassThrough();
    source.write(Buffer.from(`prompt,answer\n${rows(3)}`));
    const { body } = await csvToJsonl(source, 'data.csv');
    const lines: string[] = [];
    body.on('data', (chunk) => lines.push(String(chunk)));
    const failed = new Promise((resolve) => {
      body.once('error', resolve);
      setTimeout(() => resolve('no error within 2 s'), 2000).unref();
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // csv-parse holds the last line ending until it sees what follows it.
    expect(lines).toEqual(['{"prompt":"q0","completion":"a0"}\n', '{"prompt":"q1","completion":"a1"}\n']);
    // Never ended: the refusal comes from the bytes themselves, not from the end of the file.
    source.write(Buffer.from([0x71, 0x2c, 0xff, 0x0a]));
    expect(await failed).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: `data.csv: ${NOT_A_CSV_FILE}: ${NOT_UTF8_TEXT}`,
    });
    expect(lines).toHaveLength(2);
  });

  it('UTF-8 is taken, a BOM and characters split between chunks too', async () => {
    const text = Buffer.from('\uFEFFprompt,answer\ncafé?,naïve ✓\n');
    const at = text.indexOf(Buffer.from('✓')) + 1;
    expect(await convert([text.subarray(0, 5), text.subarray(5, at), text.subarray(at)])).toEqual({
      jsonl: `${JSON.stringify({ prompt: 'café?', completion: 'naïve ✓' })}\n`,
    });
  });
});

describe('the upload’s own refusal while the CSV is read', () => {
  const tooSlow = (): GraphQLError =>
    new GraphQLError('file: the upload arrived too slowly and was cut: 10 bytes in the last 5 s', {
      extensions: { code: 'BAD_USER_INPUT', field: 'file', http: { status: 408 } },
    });

  it('mid-file: the same error goes on, not as a row’s problem', async () => {
    const cut = tooSlow();
    const source = new PassThrough();
    source.write(Buffer.from(`prompt,answer\n${rows(5)}q5,a`));
    setTimeout(() => source.destroy(cut), 20);
    const outcome = await convert(source);
    expect(outcome).toEqual({ error: cut });
    expect((outcome as { error: unknown }).error).toBe(cut);
  });

  it('before the header is read: the same error, not "not a readable CSV file"', async () => {
    const cut = tooSlow();
    const source = new PassThrough();
    source.write(Buffer.from('prompt,ans'));
    setTimeout(() => source.destroy(cut), 20);
    expect((await convert(source)) as { error: unknown }).toEqual({ error: cut });
  });

  it('a parse error is still a row’s problem', async () => {
    const source = new PassThrough();
    source.write(Buffer.from(`prompt,answer\n${rows(2)}`));
    setTimeout(() => source.end(Buffer.from('q,"a"b\n')), 20);
    const outcome = await convert(source);
    expect(outcome).toEqual({ error: expect.any(UpstreamError) as unknown });
    expect((outcome as { error: Error }).error.message).toMatch(/^data\.csv: row \d+: Invalid Closing Quote/);
  });
});
