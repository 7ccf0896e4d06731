/**
 * A CSV file as a stream of records, never held whole: UTF-8 decoded chunk by chunk (a BOM dropped,
 * NUL bytes or invalid UTF-8 refused as binary), CRLF or LF line ends, quoted fields across lines,
 * empty lines skipped, the same way the simulator reads an upload. Records keep going when a row has
 * too few or too many fields (a report entry, not an error); a quoting error ends the reading, since
 * nothing after it can be split into rows reliably.
 */
import type { Readable } from 'node:stream';
import { Transform, pipeline } from 'node:stream';
import type { CsvError } from 'csv-parse';
import { AnalysisInputError, describeBytes } from './input-error.js';

export interface CsvRecord {
  /** Data row number: 1 is the first row after the header. */
  row: number;
  /** Line of the file where the record ends (a quoted field may span lines). */
  line: number;
  fields: string[];
}

export interface CsvSyntaxStop {
  row: number;
  line: number;
  message: string;
}

export interface CsvReading {
  header: string[];
  records: AsyncIterable<CsvRecord>;
  /** Bytes read so far. */
  bytes(): number;
  /** Set when a quoting error ended the reading early. */
  stopped(): CsvSyntaxStop | undefined;
}

function decoding(maxBytes: number, label: string, counted: (n: number) => void): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  const notCsv = (why: string) =>
    new AnalysisInputError(
      why === 'binary' ? 'BINARY' : 'NOT_UTF8',
      `${label}: not a CSV file: ${why === 'binary' ? 'it holds binary data (NUL bytes)' : 'it is not UTF-8 text'}`,
    );
  return new Transform({
    readableObjectMode: false,
    decodeStrings: true,
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      counted(bytes);
      if (bytes > maxBytes)
        return done(
          new AnalysisInputError(
            'TOO_LARGE',
            `${label}: larger than the analysis limit of ${describeBytes(maxBytes)} (ANALYZE_MAX_BYTES)`,
          ),
        );
      if (chunk.includes(0)) return done(notCsv('binary'));
      try {
        done(null, decoder.decode(chunk, { stream: true }));
      } catch {
        done(notCsv('utf8'));
      }
    },
    flush(done) {
      try {
        done(null, decoder.decode());
      } catch {
        done(notCsv('utf8'));
      }
    },
  });
}

/** Opens `input` and reads up to the header row (refusing an empty file); records follow lazily. */
export async function readCsv(
  input: Readable,
  options: { maxBytes: number; label: string; signal?: AbortSignal },
): Promise<CsvReading> {
  // Loaded on the first analysis, not at start (the input stays paused until it is piped below).
  const { parse } = await import('csv-parse');
  let bytes = 0;
  let stop: CsvSyntaxStop | undefined;
  // With skip_records_with_error the parser reports a quoting error as a 'skip' instead of failing the
  // stream (which would drop the records parsed before it); the records it emits after one are
  // ignored, as its state past a broken quote is guesswork.
  const parser = parse({ skip_empty_lines: true, relax_column_count: true, info: true, skip_records_with_error: true });
  let recordsBeforeStop = Infinity;
  parser.on('skip', (error: CsvError & { lines?: number }) => {
    if (stop !== undefined) return;
    recordsBeforeStop = parser.info.records;
    stop = { row: Math.max(1, recordsBeforeStop), line: error.lines ?? 0, message: error.message };
  });
  pipeline(
    input,
    decoding(options.maxBytes, options.label, (n) => (bytes = n)),
    parser,
    () => {},
  );
  options.signal?.addEventListener('abort', () => parser.destroy(options.signal?.reason as Error), { once: true });
  const iterator = (parser as AsyncIterable<{ record: string[]; info: { lines: number } }>)[Symbol.asyncIterator]();

  let row = 0;
  const next = async (): Promise<CsvRecord | undefined> => {
    for (;;) {
      const step = await iterator.next();
      if (step.done) return undefined;
      // Records count from 1 with the header; data row n is record n + 1.
      if (row + 1 > recordsBeforeStop) continue;
      return { row: row++, line: step.value.info.lines, fields: step.value.record };
    }
  };

  const first = await next();
  if (first === undefined) {
    if (stop !== undefined)
      throw new AnalysisInputError('BAD_HEADER', `${options.label}: not a valid CSV file: ${stop.message}`);
    throw new AnalysisInputError(bytes === 0 ? 'EMPTY' : 'NO_DATA_ROWS', `${options.label}: the file is empty`);
  }
  row = 1;
  const header = first.fields.map((h) => h.trim());
  return {
    header,
    bytes: () => bytes,
    stopped: () => stop,
    records: {
      async *[Symbol.asyncIterator]() {
        for (let record = await next(); record !== undefined; record = await next()) yield record;
      },
    },
  };
}
