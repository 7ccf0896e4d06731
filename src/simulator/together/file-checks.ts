/**
 * The checks Together applies to an uploaded data file, by extension and then by content
 * (the rules the SDK's own `checkFile` states, re-implemented here):
 * - `.jsonl` for `fine-tune`: one JSON object a line, every line of one format: `text` (general),
 *   `messages` (conversation), `prompt` + `completion` (instruction), or `input` +
 *   `preferred_output` + `non_preferred_output` (preference, for DPO); no other keys;
 * - `.jsonl` for any other purpose (`eval`, the evaluation outputs, batch files): one JSON object a
 *   line (ours beyond `eval`: the SDK checks rows for fine-tuning only);
 * - `.csv`: accepted for `eval` only (a header and as many values on every line);
 * - `.parquet`: refused, the simulator does not read Parquet (ours).
 * A file is UTF-8 and holds at least one sample. Messages name the line, counted from 1.
 */
import type { FilePurpose as SdkFilePurpose } from 'together-ai/resources/files';
import { checkMessages, checkPreference } from './message-checks.js';
import { FileFormatError, type Sample } from './samples.js';

export type FileType = 'jsonl' | 'csv' | 'parquet';

/**
 * The purposes a file may be uploaded for: the spec's `FilePurpose` enum (seven values). The SDK's
 * type names three of them (`fine-tune`, `eval`, `batch-api`); the others are files Together's
 * evaluations and batches produce, which a client may upload too.
 */
export const FILE_PURPOSES = [
  'fine-tune',
  'eval',
  'eval-sample',
  'eval-output',
  'eval-summary',
  'batch-generated',
  'batch-api',
] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];
// Every purpose of the SDK's type is one of the spec's: tsc fails the day the SDK adds another.
const sdkPurposesKnown: SdkFilePurpose extends FilePurpose ? true : never = true;
void sdkPurposesKnown;

export const isFilePurpose = (value: string): value is FilePurpose =>
  (FILE_PURPOSES as readonly string[]).includes(value);

type DatasetFormat = 'general' | 'conversation' | 'instruction' | 'preference_openai';

export type FileCheck =
  | { ok: true; fileType: FileType; format: DatasetFormat | null; samples: Sample[]; lines: number }
  | { ok: false; fileType: FileType; message: string; lines: number };

const COLUMNS: ReadonlyArray<readonly [DatasetFormat, readonly string[]]> = [
  ['general', ['text']],
  ['conversation', ['messages']],
  ['instruction', ['prompt', 'completion']],
  ['preference_openai', ['input', 'preferred_output', 'non_preferred_output']],
];

export function fileTypeOf(filename: string): FileType | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
  return ext === 'jsonl' || ext === 'csv' || ext === 'parquet' ? ext : undefined;
}

function detectFormat(row: Record<string, unknown>, line: number): DatasetFormat {
  const keys = Object.keys(row);
  const match = COLUMNS.find(([, required]) => required.every((c) => c in row));
  if (match === undefined) {
    throw new FileFormatError(
      `Could not detect a dataset format on line ${line}: its keys are ${keys.join(', ') || '(none)'}; ` +
        `expected text, messages, prompt and completion, or input, preferred_output and non_preferred_output.`,
    );
  }
  const extra = keys.find((k) => !match[1].includes(k));
  if (extra !== undefined) throw new FileFormatError(`Found extra column "${extra}" on line ${line}.`);
  return match[0];
}

function stringField(row: Record<string, unknown>, key: string, line: number): string {
  const value = row[key];
  if (typeof value !== 'string')
    throw new FileFormatError(
      `Invalid value type for "${key}" on line ${line}: expected a string, found ${typeof value}.`,
    );
  return value;
}

function toSample(format: DatasetFormat, row: Record<string, unknown>, line: number): Sample {
  switch (format) {
    case 'general':
      return { pieces: [{ text: stringField(row, 'text', line), trained: true }], messages: 1 };
    case 'instruction':
      return {
        pieces: [
          { text: stringField(row, 'prompt', line), trained: false },
          { text: stringField(row, 'completion', line), trained: true },
        ],
        messages: 2,
      };
    case 'conversation':
      return checkMessages(row['messages'], line, true);
    case 'preference_openai':
      return checkPreference(row, line);
  }
}

function parseLine(text: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FileFormatError(`Error parsing JSON on line ${line}: the line is not valid JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FileFormatError(`Invalid format on line ${line}: every line must be a JSON object.`);
  }
  return value as Record<string, unknown>;
}

function checkJsonl(text: string, purpose: string): { format: DatasetFormat | null; samples: Sample[] } {
  let format: DatasetFormat | null = null;
  const samples: Sample[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    const row = parseLine(raw, line);
    if (purpose !== 'fine-tune') return void samples.push({ pieces: [], messages: 0 });
    const rowFormat = detectFormat(row, line);
    if (format !== null && rowFormat !== format) {
      throw new FileFormatError(
        `All samples must have one dataset format: found ${format} on the first line and ${rowFormat} on line ${line}.`,
      );
    }
    format = rowFormat;
    samples.push(toSample(rowFormat, row, line));
  });
  return { format, samples };
}

function checkCsv(text: string, purpose: string): Sample[] {
  if (purpose !== 'eval')
    throw new FileFormatError(`CSV files are not supported for ${purpose}: upload JSONL for fine-tuning.`);
  const [header, ...rows] = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const columns = header?.split(',').length ?? 0;
  if (header === undefined || header.trim() === '') throw new FileFormatError('The CSV file has no header.');
  rows.forEach((row, i) => {
    if (row.split(',').length !== columns)
      throw new FileFormatError(
        `The CSV file is malformed: line ${i + 2} does not have the ${columns} columns of the header.`,
      );
  });
  return rows.map(() => ({ pieces: [], messages: 0 }));
}

function decode(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FileFormatError('The file is not UTF-8 encoded.');
  }
}

export function checkFile(bytes: Buffer, fileType: FileType, purpose: string): FileCheck {
  let lines = 0;
  try {
    if (fileType === 'parquet')
      throw new FileFormatError('Parquet files are not accepted by this simulator: upload the data as JSONL.');
    if (bytes.length === 0) throw new FileFormatError('The file is empty.');
    const text = decode(bytes);
    lines = text.split(/\r?\n/).filter((l) => l.trim() !== '').length;
    const { format, samples } =
      fileType === 'csv' ? { format: null, samples: checkCsv(text, purpose) } : checkJsonl(text, purpose);
    if (samples.length < 1) throw new FileFormatError('The file holds no samples: the minimum is 1.');
    return { ok: true, fileType, format, samples, lines };
  } catch (error) {
    if (!(error instanceof FileFormatError)) throw error;
    return { ok: false, fileType, message: error.message, lines };
  }
}
