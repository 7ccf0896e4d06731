/**
 * Regressions of the Together CSV→JSONL conversion (src/upstream/together/csv-to-jsonl.ts):
 *
 * - A CSV that is not UTF-8 text was converted anyway: Latin-1 bytes went to Together as U+FFFD, a NUL
 *   byte as `\u0000`, and a UTF-16LE file with its BOM was read as UTF-16 by csv-parse, while the
 *   pre-flight (and Nscale's upload) refuse all three. Now the conversion refuses them, BAD_USER_INPUT
 *   on `file`; a UTF-8 BOM is still taken.
 * - Those refusals said `file: data.csv: not a CSV file: it is not UTF-8 text`: the GraphQL variable,
 *   and nothing of where or what to do. Now they name the file, the byte at fault (line and byte
 *   offset) and say to re-save it as UTF-8 (src/upstream/utf8-text.ts, shared with Nscale's upload).
 * - The upload's own refusal (too slow, too large, the client gone) met while reading rows was said to
 *   be a row's problem (`data.csv: row 4996: file: the upload arrived too slowly…`), HTTP 200 instead
 *   of Nscale's 408. Now an error of the source stream goes on as it is.
 */
import { PassThrough, Readable } from 'node:stream';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/upstream/errors.js';
import { csvToJsonl } from '../../../src/upstream/together/csv-to-jsonl.js';
import { RESAVE_AS_UTF8 } from '../../../src/upstream/utf8-text.js';

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
const notCsv = (message: string) => ({
  error: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'file', message }) as unknown,
});
const notUtf8 = (byte: string, line: number, offset: number) =>
  `file: "data.csv" is not UTF-8 text: the byte 0x${byte} at line ${line} ` +
  `(byte offset ${offset.toLocaleString('en-US')}) is not valid UTF-8 ` +
  `(a file saved as Latin-1 or Windows-1252?): ${RESAVE_AS_UTF8}.`;
const UTF16 = `file: "data.csv" is UTF-16 text, not UTF-8: ${RESAVE_AS_UTF8}.`;

describe('a CSV that is not UTF-8 text', () => {
  it('says what to do: re-save the file as UTF-8', () => {
    expect(RESAVE_AS_UTF8).toMatch(/^re-save it as UTF-8 \(.*\) and upload it again$/);
  });

  it.each([
    [
      'a Latin-1 byte in a row',
      [Buffer.from('prompt,answer\nq,caf'), Buffer.from([0xe9]), Buffer.from('\n')],
      notUtf8('E9', 2, 19),
    ],
    [
      'a Latin-1 byte in the header',
      [Buffer.from([0x70, 0xe9, 0x2c, 0x61, 0x0a]), Buffer.from('q,a\n')],
      notUtf8('E9', 1, 1),
    ],
    [
      'a 3-byte character cut by a line break, past many lines and chunks',
      [Buffer.from(`prompt,answer\n${rows(1000)}q,\xe2`, 'latin1'), Buffer.from([0x82, 0x0a])],
      notUtf8('E2', 1002, 14 + rows(1000).length + 2),
    ],
    [
      'a character split between chunks, then a bad one',
      [Buffer.from('prompt,answer\nq,\u00e9'.slice(0, -1)), Buffer.from('é'.slice(0, 1)), Buffer.from([0xff])],
      notUtf8('FF', 2, 18),
    ],
    [
      'a NUL byte in a cell',
      [Buffer.from('prompt,answer\nq,a\0b\n')],
      `file: "data.csv" is not a text file: it holds binary data (a NUL byte at line 2 (byte offset 17)), not UTF-8 ` +
        `text; if it is text, ${RESAVE_AS_UTF8}.`,
    ],
    [
      'UTF-16LE with its BOM',
      [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('prompt,answer\nq,a\n', 'utf16le')])],
      UTF16,
    ],
    ['UTF-16LE without a BOM', [Buffer.from('prompt,answer\nq,a\n', 'utf16le')], UTF16],
    ['a UTF-16LE BOM before UTF-8 text', [Buffer.from([0xff, 0xfe]), Buffer.from('prompt,answer\nq,a\n')], UTF16],
    [
      'a character cut short at the end of the file',
      [Buffer.from('prompt,answer\nq,caf'), Buffer.from([0xc3])],
      notUtf8('C3', 2, 19),
    ],
  ])('%s: refused naming the file, where, and what to do; nothing converted', async (_name, chunks, message) => {
    expect(await convert(chunks)).toEqual(notCsv(message));
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
      message: notUtf8('FF', 5, 14 + rows(3).length + 2),
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
