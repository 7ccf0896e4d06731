/**
 * One CSV file through the analysis: rows read from the stream, checked on the main thread (columns,
 * empty answers, duplicates), and sent in batches to the token pool (count-batches.ts).
 */
import type { Readable } from 'node:stream';
import { CountBatches } from './count-batches.js';
import { readCsv, type CsvSyntaxStop } from './csv-records.js';
import { FileTally } from './file-tally.js';
import { AnalysisInputError } from './input-error.js';
import type { FileReport, RowProblem } from './report.js';
import type { TokenPool } from './token-pool.js';

export interface AnalyzeFileOptions {
  fileName: string;
  /** Input field named in messages, e.g. `input.trainingFile`. */
  label: string;
  baseModelId: string;
  promptColumn: string | null;
  answerColumn: string;
  contextLength: number;
  maxBytes: number;
  pool: TokenPool;
  signal?: AbortSignal;
}

export interface AnalyzedFile {
  report: FileReport;
  tally: FileTally;
}

function columnIndex(header: string[], column: string, what: string, label: string): number {
  const index = header.indexOf(column.trim());
  if (index === -1) {
    const names = header.map((h) => JSON.stringify(h)).join(', ');
    throw new AnalysisInputError(
      'NO_SUCH_COLUMN',
      `${label}: no ${what} column ${JSON.stringify(column)}; the header row names ${names}`,
    );
  }
  return index;
}

export async function analyzeFile(input: Readable, options: AnalyzeFileOptions): Promise<AnalyzedFile> {
  const { label, signal } = options;
  const csv = await readCsv(input, { maxBytes: options.maxBytes, label, ...(signal ? { signal } : {}) });
  const columns: Columns = {
    header: csv.header,
    answer: columnIndex(csv.header, options.answerColumn, 'answer', label),
    answerName: options.answerColumn,
    prompt: options.promptColumn === null ? -1 : columnIndex(csv.header, options.promptColumn, 'prompt', label),
  };
  const tally = new FileTally();
  const batches = new CountBatches(options.pool, options.baseModelId, tally, signal);
  try {
    for await (const { row, line, fields } of csv.records) {
      tally.rowRead(row);
      const refused = rowProblem(fields, columns);
      if (refused !== null) {
        tally.problem({ kind: refused.kind, row, line, message: `row ${row} (line ${line}): ${refused.message}` });
        continue;
      }
      const answer = fields[columns.answer]!;
      const prompt = columns.prompt === -1 ? null : fields[columns.prompt]!;
      tally.usableRow(row, prompt, answer);
      await batches.add(row, prompt, answer);
    }
    await batches.flush();
  } finally {
    // Batches already sent settle first (an abort cancels them through the same signal).
    await batches.settled();
  }
  batches.throwIfFailed();

  const stoppedAt = syntaxStop(csv.stopped());
  if (stoppedAt !== null) tally.problem(stoppedAt);
  else if (tally.rowsRead() === 0) {
    throw new AnalysisInputError('NO_DATA_ROWS', `${label}: the CSV has a header row but no data rows`);
  }
  return { report: tally.report(options.fileName, csv.bytes(), options.contextLength, stoppedAt), tally };
}

interface Columns {
  header: string[];
  answer: number;
  /** As the caller named it, for messages. */
  answerName: string;
  /** -1 without a prompt column. */
  prompt: number;
}

/** Why a row cannot be trained on, or null when it can. */
function rowProblem(fields: string[], c: Columns): { kind: RowProblem['kind']; message: string } | null {
  const width = c.header.length;
  if (fields.length < width) {
    const missing = c.header
      .slice(fields.length)
      .map((h) => JSON.stringify(h))
      .join(', ');
    return { kind: 'MISSING_COLUMN', message: `has ${fields.length} of ${width} fields: no value for ${missing}` };
  }
  if (fields.length > width) {
    return {
      kind: 'EXTRA_FIELDS',
      message: `has ${fields.length} fields, the header names ${width} (an unquoted comma?)`,
    };
  }
  if (fields[c.answer]!.trim() === '') {
    return {
      kind: 'EMPTY_ANSWER',
      message: `answer column ${JSON.stringify(c.answerName)} is empty: the row trains nothing`,
    };
  }
  return null;
}

/** The CSV syntax error that ended the reading early, as the file's last problem. */
function syntaxStop(stop: CsvSyntaxStop | undefined): RowProblem | null {
  if (stop === undefined) return null;
  return {
    kind: 'UNPARSABLE',
    row: stop.row,
    line: stop.line,
    message: `row ${stop.row} (line ${stop.line}): ${stop.message}; the rest of the file was not read`,
  };
}
