/**
 * A CSV upload for Together, converted to JSONL as it streams. Together fine-tunes on JSONL only
 * (its SDK takes CSV for evaluation files alone), while the gateway's clients upload CSV datasets
 * with a prompt and an answer column (the Nscale journey). So the gateway converts: each row becomes
 * one instruction sample, `{"prompt": …, "completion": …}`, Together's instruction format, and the
 * bytes go on chunk by chunk with the stream's backpressure, never held whole.
 *
 * The header is read before anything is sent upstream, so that a CSV without the columns is refused
 * (BAD_USER_INPUT naming the columns found) before a file exists at Together. A later row that
 * cannot be converted (an empty answer, a quoting error, more or fewer fields than the header names)
 * fails the upload mid-stream. A row of the wrong width is refused, not read by position: an unquoted
 * comma in a prompt would otherwise move part of it into the answer and train on the wrong text.
 */
import { Readable } from 'node:stream';
import type { CsvError } from 'csv-parse';
import { UpstreamError } from '../errors.js';

export interface CsvColumns {
  /** @default 'prompt' */
  promptColumn?: string;
  /** @default 'answer', else 'completion' */
  answerColumn?: string;
}

const refuse = (message: string): UpstreamError => new UpstreamError('BAD_USER_INPUT', message, { field: 'file' });

/** Resolves once the header is read; the returned stream yields the JSONL. */
export async function csvToJsonl(source: Readable, filename: string, columns: CsvColumns = {}): Promise<Readable> {
  const { parse } = await import('csv-parse');
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true });
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  const rows = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  const first = await rows.next().catch((error: unknown) => {
    throw refuse(`${filename}: not a readable CSV file: ${(error as CsvError).message}`);
  });
  if (first.done === true) throw refuse(`${filename}: the CSV file is empty.`);
  const header = first.value.map((h) => h.trim());
  const promptAt = header.indexOf(columns.promptColumn ?? 'prompt');
  const answerName = columns.answerColumn ?? (header.includes('answer') ? 'answer' : 'completion');
  const answerAt = header.indexOf(answerName);
  if (promptAt < 0 || answerAt < 0) {
    parser.destroy();
    source.destroy();
    throw refuse(
      `${filename}: Together fine-tunes on JSONL; a CSV is converted from its ` +
        `${JSON.stringify(columns.promptColumn ?? 'prompt')} and ${JSON.stringify(answerName)} columns, ` +
        `and this file's header has ${header.map((h) => JSON.stringify(h)).join(', ')}.`,
    );
  }
  async function* lines(): AsyncGenerator<string> {
    let row = 0;
    try {
      for (let next = await rows.next(); next.done !== true; next = await rows.next()) {
        row++;
        const fields = next.value;
        if (fields.length !== header.length) throw refuse(`${filename}: row ${row}: ${widthProblem(fields, header)}`);
        const prompt = fields[promptAt]!;
        const completion = fields[answerAt]!;
        if (completion.trim() === '') throw refuse(`${filename}: row ${row}: the ${answerName} is empty.`);
        yield `${JSON.stringify({ prompt, completion })}\n`;
      }
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      throw refuse(`${filename}: row ${row + 1}: ${(error as Error).message}`);
    }
    if (row === 0) throw refuse(`${filename}: the CSV file has a header but no rows.`);
  }
  const out = Readable.from(lines(), { objectMode: false });
  // The upload ending early (refused, aborted) lets go of the caller's stream too.
  out.once('close', () => {
    if (!parser.destroyed) parser.destroy();
    if (!source.readableEnded) source.destroy();
  });
  return out;
}

/** Why a row's fields cannot be matched to the header's columns (the pre-flight's words for it). */
function widthProblem(fields: readonly string[], header: readonly string[]): string {
  if (fields.length > header.length)
    return `has ${fields.length} fields, the header names ${header.length} (an unquoted comma?); quote a value that holds a comma.`;
  const missing = header
    .slice(fields.length)
    .map((h) => JSON.stringify(h))
    .join(', ');
  return `has ${fields.length} of ${header.length} fields: no value for ${missing}.`;
}
