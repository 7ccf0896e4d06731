/**
 * One CSV file through the analysis: rows read from the stream, checked on the main thread (columns,
 * empty answers, duplicates), and sent in batches to the token pool, with a bounded number of batches
 * in flight so that a slow pool slows the reading (the upload waits) instead of filling memory.
 */
import type { Readable } from 'node:stream';
import type { CountTask } from './count-worker.js';
import { readCsv } from './csv-records.js';
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

const BATCH_ROWS = 256;
const BATCH_CHARS = 256 * 1024;

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
  const { label, pool, signal } = options;
  const csv = await readCsv(input, { maxBytes: options.maxBytes, label, ...(signal ? { signal } : {}) });
  const answerIndex = columnIndex(csv.header, options.answerColumn, 'answer', label);
  const promptIndex =
    options.promptColumn === null ? -1 : columnIndex(csv.header, options.promptColumn, 'prompt', label);
  const width = csv.header.length;
  const tally = new FileTally();

  const inFlight = new Set<Promise<void>>();
  // A batch that fails (an abort, a worker crash) is remembered here and thrown from the reading loop.
  let failure: unknown;
  let rows: number[] = [];
  let task: CountTask = { baseModelId: options.baseModelId, prompts: [], answers: [] };
  let chars = 0;
  const flush = async (): Promise<void> => {
    if (rows.length === 0) return;
    const batchRows = rows;
    const sent = pool.count(task, signal).then((counts) => {
      batchRows.forEach((row, i) => tally.counted(row, counts[i * 3]!, counts[i * 3 + 1]!, counts[i * 3 + 2]!));
    });
    rows = [];
    task = { baseModelId: options.baseModelId, prompts: [], answers: [] };
    chars = 0;
    const tracked: Promise<void> = sent.then(
      () => void inFlight.delete(tracked),
      (error: unknown) => {
        inFlight.delete(tracked);
        failure ??= error;
      },
    );
    inFlight.add(tracked);
    if (inFlight.size >= pool.maxThreads * 2) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
  };

  const problem = (kind: RowProblem['kind'], row: number, line: number, message: string): void =>
    tally.problem({ kind, row, line, message: `row ${row} (line ${line}): ${message}` });

  try {
    for await (const record of csv.records) {
      const { row, line, fields } = record;
      tally.rowRead(row);
      if (fields.length < width) {
        const missing = csv.header
          .slice(fields.length)
          .map((h) => JSON.stringify(h))
          .join(', ');
        problem('MISSING_COLUMN', row, line, `has ${fields.length} of ${width} fields: no value for ${missing}`);
        continue;
      }
      if (fields.length > width) {
        problem(
          'EXTRA_FIELDS',
          row,
          line,
          `has ${fields.length} fields, the header names ${width} (an unquoted comma?)`,
        );
        continue;
      }
      const answer = fields[answerIndex]!;
      const prompt = promptIndex === -1 ? null : fields[promptIndex]!;
      if (answer.trim() === '') {
        problem(
          'EMPTY_ANSWER',
          row,
          line,
          `answer column ${JSON.stringify(options.answerColumn)} is empty: the row trains nothing`,
        );
        continue;
      }
      tally.usableRow(row, prompt, answer);
      rows.push(row);
      task.prompts.push(prompt);
      task.answers.push(answer);
      chars += answer.length + (prompt?.length ?? 0);
      if (rows.length >= BATCH_ROWS || chars >= BATCH_CHARS) await flush();
    }
    await flush();
  } finally {
    // Batches already sent settle first (an abort cancels them through the same signal).
    await Promise.all(inFlight);
  }
  if (failure !== undefined) throw failure;

  const stop = csv.stopped();
  let stoppedAt: RowProblem | null = null;
  if (stop !== undefined) {
    stoppedAt = {
      kind: 'UNPARSABLE',
      row: stop.row,
      line: stop.line,
      message: `row ${stop.row} (line ${stop.line}): ${stop.message}; the rest of the file was not read`,
    };
    tally.problem(stoppedAt);
  }
  if (tally.rowsRead() === 0 && stop === undefined) {
    throw new AnalysisInputError('NO_DATA_ROWS', `${label}: the CSV has a header row but no data rows`);
  }
  return { report: tally.report(options.fileName, csv.bytes(), options.contextLength, stoppedAt), tally };
}
