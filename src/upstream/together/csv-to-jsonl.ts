/**
 * A CSV upload for Together, converted to JSONL as it streams. Together fine-tunes on JSONL only
 * (its SDK takes CSV for evaluation files alone), while the gateway's clients upload CSV datasets
 * with a prompt and an answer column (the Nscale journey). So the gateway converts: each row becomes
 * one instruction sample, `{"prompt": …, "completion": …}`, Together's instruction format, and the
 * bytes go on chunk by chunk with the stream's backpressure, never held whole.
 *
 * The CSV must be UTF-8 text, as the pre-flight and Nscale's upload require: a NUL byte or bytes that
 * do not decode refuse it as they arrive, naming the file, the line and what to do (../utf8-text.ts;
 * csv-parse would send them on as U+0000 or U+FFFD, or read a UTF-16 file by its BOM). An error of the source stream itself (the
 * upload's refusal: too slow, too large, the client gone) goes on as it is, never as a row's problem.
 *
 * The header is read before anything is sent upstream, so that a CSV without the columns is refused
 * (BAD_USER_INPUT naming the columns found) before a file exists at Together; so is a choice of
 * columns that would train on wrong data whatever the rows hold (csv-columns.ts). A later row that
 * cannot be converted (an empty answer, a quoting error, more or fewer fields than the header names)
 * fails the upload mid-stream. A row of the wrong width is refused, not read by position: an unquoted
 * comma in a prompt would otherwise move part of it into the answer and train on the wrong text.
 *
 * Cells go as written, never trimmed: an answer's leading spaces may be a code block's indentation.
 * The pre-flight (src/preflight) counts the same text, so that its figure is the one Together bills.
 *
 * The JSONL is larger than the CSV (each row's keys, JSON escapes of quotes, backslashes and line
 * breaks), so a CSV within the gateway's upload limit may convert past Together's. The conversion
 * counts what it makes and never sends a byte past `maxBytes`: it stops sending there, reads the
 * rest of the CSV only to measure the whole JSONL, and refuses the upload naming both sizes and the
 * limit. Sent on, the file would have met Together's own refusal mid-stream, which says nothing of
 * the conversion (or, the connection closed under the PUT, reads as EPIPE).
 */
import { Readable } from 'node:stream';
import type { CsvError } from 'csv-parse';
import { UpstreamError } from '../errors.js';
import { utf8Text } from '../utf8-text.js';
import { escapeInvisible, quote } from '../../contract/quote.js';
import { columnChoiceProblem, readColumns, type ColumnsRead } from './csv-columns.js';

export interface CsvColumns {
  /** @default 'prompt' */
  promptColumn?: string;
  /** @default 'answer', else 'completion' */
  answerColumn?: string;
}

/** A CSV on its way to JSONL: the stream, and how far the conversion has got. */
export interface ConvertedCsv {
  /** The JSONL, made as the CSV streams in. */
  body: Readable;
  /** Bytes of CSV read and of JSONL made so far (the whole of both once `body` has ended). */
  progress(): ConversionProgress;
}

export interface ConversionProgress {
  /** Bytes of CSV read (some may not be converted yet: the parser reads ahead). */
  csvBytes: number;
  jsonlBytes: number;
}

const refuse = (message: string, field = 'file'): UpstreamError =>
  new UpstreamError('BAD_USER_INPUT', message, { field });

/** `1.2 MiB (1,258,291 bytes)`: the rounded size to read, the exact one to compare. */
export function describeSize(bytes: number): string {
  const exact = `${bytes.toLocaleString('en-US')} bytes`;
  const [unit, size] = bytes >= 2 ** 30 ? ['GiB', bytes / 2 ** 30] : ['MiB', bytes / 2 ** 20];
  return size >= 1 ? `${Number(size.toFixed(1))} ${unit} (${exact})` : exact;
}

/** Why the conversion grows a file, and what to do about it: said with every refusal for size. */
export const CONVERSION_GROWS =
  'Together fine-tunes on JSONL only, and the CSV→JSONL conversion writes each row as ' +
  '{"prompt": …, "completion": …}, escaping quotes, backslashes and line breaks, which makes the file larger';

/** The refusal of a CSV whose JSONL would pass `maxBytes`; `whole` when the JSONL was measured to the end. */
function tooLargeOnceConverted(file: string, sizes: ConversionProgress, maxBytes: number, whole: boolean) {
  const limit = `over Together's upload limit of ${describeSize(maxBytes)}`;
  if (!whole)
    return refuse(
      `${file}: too large once converted to JSONL: it makes more than ${describeSize(sizes.jsonlBytes)} ` +
        `of JSONL, ${limit}. ${CONVERSION_GROWS}; split the CSV into smaller files.`,
    );
  const fits = Math.floor((sizes.csvBytes * maxBytes) / sizes.jsonlBytes);
  return refuse(
    `${file}: too large once converted to JSONL: its ${describeSize(sizes.csvBytes)} of CSV make ` +
      `${describeSize(sizes.jsonlBytes)} of JSONL, ${limit}. ${CONVERSION_GROWS}; split the CSV into ` +
      `files of at most about ${describeSize(fits)} each.`,
  );
}

/**
 * Resolves once the header is read; the returned stream yields the JSONL, at most `maxBytes` of it
 * (Together's upload limit) before the upload is refused as too large.
 */
export async function csvToJsonl(
  source: Readable,
  filename: string,
  columns: CsvColumns = {},
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<ConvertedCsv> {
  const chosen = columnChoiceProblem(columns);
  if (chosen) {
    source.destroy();
    throw chosen;
  }
  // The file's name as every refusal shows it: what would not show on screen escaped (../quote.ts).
  const file = escapeInvisible(filename);
  const sizes: ConversionProgress = { csvBytes: 0, jsonlBytes: 0 };
  const csv = await readCsv(source, filename, sizes);
  const { rows } = csv;
  const first = await rows.next().catch((error: unknown) => {
    throw csv.unread() ?? refuse(`${file}: not a readable CSV file: ${(error as CsvError).message}`);
  });
  if (first.done === true) throw refuse(`${file}: the CSV file is empty.`);
  const header = first.value.map((h) => h.trim());
  let read: ColumnsRead;
  try {
    read = readColumns(header, columns, filename);
  } catch (error) {
    csv.close();
    source.destroy();
    throw error;
  }
  const { promptAt, answerAt, answerName } = read;
  let row = 0;
  /** The next row's JSONL line, or null at the end; a row that cannot be converted is the refusal. */
  const nextLine = async (): Promise<string | null> => {
    let next: IteratorResult<string[]>;
    try {
      next = await rows.next();
    } catch (error) {
      throw csv.unread() ?? refuse(`${file}: row ${row + 1}: ${(error as Error).message}`);
    }
    if (next.done === true) return null;
    row++;
    const fields = next.value;
    if (fields.length !== header.length) throw refuse(`${file}: row ${row}: ${widthProblem(fields, header)}`);
    const prompt = fields[promptAt]!;
    const completion = fields[answerAt]!;
    if (completion.trim() === '') throw refuse(`${file}: row ${row}: the ${escapeInvisible(answerName)} is empty.`);
    return `${JSON.stringify({ prompt, completion })}\n`;
  };
  async function* lines(): AsyncGenerator<string> {
    for (let line = await nextLine(); line !== null; line = await nextLine()) {
      const bytes = Buffer.byteLength(line);
      if (sizes.jsonlBytes + bytes > maxBytes) {
        sizes.jsonlBytes += bytes;
        throw tooLargeOnceConverted(file, sizes, maxBytes, await measureRest());
      }
      sizes.jsonlBytes += bytes;
      yield line;
    }
    if (row === 0) throw refuse(`${file}: the CSV file has a header but no rows.`);
  }
  /** Converts the rest without sending it, to say how large the whole JSONL is: false when a row stopped it. */
  async function measureRest(): Promise<boolean> {
    try {
      for (let line = await nextLine(); line !== null; line = await nextLine())
        sizes.jsonlBytes += Buffer.byteLength(line);
      return true;
    } catch {
      return false;
    }
  }
  const out = Readable.from(lines(), { objectMode: false });
  // The upload ending early (refused, aborted) lets go of the caller's stream too.
  out.once('close', () => {
    csv.close();
    if (!source.readableEnded) source.destroy();
  });
  return { body: out, progress: () => ({ ...sizes }) };
}

/** The CSV's rows as csv-parse reads them from `source`'s bytes, once known to be UTF-8 text (../utf8-text.ts). */
async function readCsv(source: Readable, filename: string, sizes: ConversionProgress) {
  const { parse } = await import('csv-parse');
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true });
  /**
   * Why the CSV could not be read to the end other than its parsing: the upload's own refusal (too
   * slow, too large, the client gone) or bytes that are not UTF-8 text. It goes on as it is, never as
   * a row's problem: the row being read when it came is not at fault.
   */
  let unread: unknown;
  const stop = (error: unknown): void => {
    unread ??= error;
    parser.destroy(error as Error);
  };
  const text = utf8Text(filename);
  source.on('error', stop);
  text.on('error', stop);
  source.pipe(text).pipe(parser);
  source.on('data', (chunk: Buffer | string) => (sizes.csvBytes += Buffer.byteLength(chunk)));
  return {
    rows: parser[Symbol.asyncIterator]() as AsyncIterator<string[]>,
    unread: (): unknown => unread,
    close(): void {
      if (!parser.destroyed) parser.destroy();
      if (!text.destroyed) text.destroy();
    },
  };
}

/** Why a row's fields cannot be matched to the header's columns (the pre-flight's words for it). */
function widthProblem(fields: readonly string[], header: readonly string[]): string {
  if (fields.length > header.length)
    return `has ${fields.length} fields, the header names ${header.length} (an unquoted comma?); quote a value that holds a comma.`;
  const missing = header
    .slice(fields.length)
    .map((h) => quote(h))
    .join(', ');
  return `has ${fields.length} of ${header.length} fields: no value for ${missing}.`;
}
