/**
 * One CSV file analysed as its bytes arrive, all of it in a worker thread (count-worker.ts): UTF-8
 * decoding, CSV scanning, the checks (columns, empty answers, duplicates), token counting and the
 * tally. Memory stays bounded whatever the file's shape: a field keeps at most `contextLength` ×
 * CHARS_PER_TOKEN characters (a row longer than the context needs only enough tokens to show it),
 * and nothing else grows with the file but the bounded duplicate table.
 *
 * It predicts the provider's upload (`provider`): the text counted is what that upload sends (cells
 * trimmed for Nscale, as written for Together), and what makes the upload refuse the whole file is
 * said so: a header the Nscale service refuses is an input error in the service's words, and a row
 * wider or narrower than the header (a line of spaces is a row of one field), or broken quoting, is a
 * problem whose message says the upload refuses the file: both uploads do (docs/preflight.md). So is
 * an empty answer on Together, whose conversion refuses it (on Nscale the row only trains nothing).
 */
import { chatTemplateFor, type ChatTemplate } from '../contract/chat-templates.js';
import type { TokenCounter } from '../contract/tokenizers.js';
import { CsvScanner, type ScannedRecord } from './csv-scanner.js';
import type { FieldText } from './field-text.js';
import { withPieceMemo } from './piece-memo.js';
import { FileTally, type CountedRow } from './file-tally.js';
import { headerProblem } from '../contract/csv-header.js';
import { quote } from '../contract/quote.js';
import { HOLDS_NUL_BYTES, NOT_A_CSV_FILE, NOT_UTF8_TEXT } from '../contract/file-format.js';
import { AnalysisInputError, describeBytes } from './input-error.js';
import type { FileReport, RowProblem } from './report.js';

/**
 * Characters of a field kept per token of context. The longest tokens of the three vocabularies are
 * runs of spaces or punctuation of a few dozen characters, while text averages about four characters
 * a token: a row still within the context after this many characters is rare (long runs), and its
 * count is then estimated and said to be.
 */
export const CHARS_PER_TOKEN = 16;
/** Characters kept of a header name (the message listing the columns shows them). */
const HEADER_CHARS = 1024;

/** Whose upload the analysis predicts: they read a CSV differently (see the top of this file). */
export type UploadProvider = 'nscale' | 'together';

/** What both uploads do with a row of the wrong width: said in each such problem. */
const WIDTH_RULE = 'the upload refuses the whole file when a row has more or fewer fields than the header names';

export interface FileAnalysisOptions {
  baseModelId: string;
  fileName: string;
  /** Input field named in messages, e.g. `input.trainingFile`. */
  label: string;
  promptColumn: string | null;
  answerColumn: string;
  contextLength: number;
  /** A row longer than `contextLength` counts as cut there (Together's max_seq_length). */
  cutAtContext: boolean;
  /** Whose upload the analysis predicts: cells trimmed and the header rule (Nscale), or cells as written (Together). */
  provider: UploadProvider;
  maxBytes: number;
  duplicateRows: number;
  holdOut: boolean;
}

export interface FileOutcome {
  report: FileReport;
  /**
   * Of the rows the service would hold out (its last 1%, taken by position: none unless `holdOut`),
   * those usable, which are evaluated on, and their tokens.
   */
  heldOut: { usableRows: number; tokens: number };
  /** Why the upload would refuse the file as it stands (the rows at fault are among the problems), or null. */
  uploadRefusal: string | null;
}

export class AnalysisCancelled extends Error {}

/** One number from the two fields' hashes: rows are duplicates when both fields are. */
function rowHash(prompt: number, answer: number): number {
  let h1 = Math.imul(0x9e3779b1 ^ (prompt >>> 0), 2654435761) ^ Math.imul(answer >>> 0, 1597334677);
  let h2 = Math.imul(0x85ebca6b ^ Math.floor(prompt / 4294967296), 2246822507) ^ Math.floor(answer / 4294967296);
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A row's tokens, counting each field only as far as the context length shows. */
function countRow(
  counter: TokenCounter,
  template: ChatTemplate,
  prompt: FieldText | null,
  answer: FieldText,
  contextLength: number,
): CountedRow {
  const promptText = prompt?.text() ?? '';
  const p = prompt === null ? { tokens: 0, chars: 0 } : counter.countUpTo(promptText, 'prompt', contextLength);
  const room = contextLength - p.tokens - template.overheadTokens;
  const answerText = room < 0 ? '' : answer.text();
  const a = room < 0 ? { tokens: 0, chars: 0 } : counter.countUpTo(answerText, 'answer', room);
  const promptWhole = prompt === null || (p.chars === promptText.length && !prompt.truncated);
  const answerWhole = room >= 0 && a.chars === answerText.length && !answer.truncated;
  if (promptWhole && answerWhole) {
    return { prompt: p.tokens, answer: a.tokens, template: template.overheadTokens, estimated: false };
  }
  // The rest at the rate of what was counted (the answer at the prompt's when it was not reached).
  const rate = a.chars > 0 ? a.tokens / a.chars : p.chars > 0 ? p.tokens / p.chars : 0.25;
  const promptRate = p.chars > 0 ? p.tokens / p.chars : rate;
  return {
    prompt: promptWhole ? p.tokens : Math.round(promptRate * prompt!.length()),
    answer: answerWhole ? a.tokens : Math.max(a.tokens, Math.round(rate * answer.length())),
    template: template.overheadTokens,
    estimated: true,
  };
}

/**
 * Who each name of an Nscale header is for the header rule (`headerProblem`), its names kept at most
 * HEADER_CHARS characters each: a name cut there stands for the length and hash of all of its text, as
 * the upload compares names whole (two long names alike in their first HEADER_CHARS are not the same).
 */
function headerIdentity(fields: readonly (FieldText | undefined)[], header: readonly string[]) {
  return (index: number): string => {
    const name = header[index]!.trim();
    const field = fields[index];
    // NUL cannot be in a name (a file with one is refused).
    return field?.truncated === true ? `${name}\u0000${field.length()}\u0000${field.digest()}` : name;
  };
}

export class FileAnalysis {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly scanner: CsvScanner;
  private readonly tally: FileTally;
  private readonly template: ChatTemplate;
  private header: string[] | null = null;
  private promptIndex = -1;
  private answerIndex = -1;
  private bytes = 0;
  /** Rows whose width is not the header's: each makes the upload refuse the file. */
  private wrongWidthRows = 0;
  /** Rows without an answer that make the upload refuse the file (Together's conversion). */
  private refusedEmptyRows = 0;

  private readonly counter: TokenCounter;

  constructor(
    private readonly options: FileAnalysisOptions,
    counter: TokenCounter,
    /** Checked between rows: true once the caller has left. */
    private readonly cancelled: () => boolean,
  ) {
    // Long pieces seen again in this file are not encoded again (piece-memo.ts): same counts, to the token.
    this.counter = withPieceMemo(counter);
    this.template = chatTemplateFor(options.baseModelId)!;
    this.tally = new FileTally(options);
    this.scanner = new CsvScanner(
      () => HEADER_CHARS,
      (record) => this.record(record),
    );
  }

  /** Reads more bytes; true when the reading has ended early (a quoting error) and `end` may follow. */
  write(chunk: Uint8Array): boolean {
    this.bytes += chunk.length;
    const { label, maxBytes } = this.options;
    if (this.bytes > maxBytes)
      throw new AnalysisInputError(
        'TOO_LARGE',
        `${label}: larger than the analysis limit of ${describeBytes(maxBytes)} (ANALYZE_MAX_BYTES)`,
      );
    if (chunk.includes(0)) throw new AnalysisInputError('BINARY', `${label}: ${NOT_A_CSV_FILE}: ${HOLDS_NUL_BYTES}`);
    this.scanner.write(this.decode(chunk));
    return this.scanner.error !== undefined;
  }

  private decode(chunk?: Uint8Array): string {
    try {
      return chunk === undefined ? this.decoder.decode() : this.decoder.decode(chunk, { stream: true });
    } catch {
      throw new AnalysisInputError('NOT_UTF8', `${this.options.label}: ${NOT_A_CSV_FILE}: ${NOT_UTF8_TEXT}`);
    }
  }

  end(): FileOutcome {
    const { label } = this.options;
    if (this.scanner.error === undefined) {
      this.scanner.write(this.decode());
      this.scanner.end();
    }
    const error = this.scanner.error;
    if (this.header === null) {
      if (error !== undefined)
        throw new AnalysisInputError('BAD_HEADER', `${label}: not a valid CSV file: ${error.message}`);
      throw new AnalysisInputError(this.bytes === 0 ? 'EMPTY' : 'NO_DATA_ROWS', `${label}: the file is empty`);
    }
    let stoppedAt: RowProblem | null = null;
    if (error !== undefined) {
      const row = Math.max(1, this.tally.rowsRead() + 1);
      const message =
        `row ${row} (line ${error.line}): ${error.message}; the rest of the file was not read, ` +
        `and the upload refuses the whole file`;
      stoppedAt = { kind: 'UNPARSABLE', row, line: error.line, message };
      this.tally.problem(stoppedAt);
    }
    if (this.tally.rowsRead() === 0 && error === undefined)
      throw new AnalysisInputError('NO_DATA_ROWS', `${label}: the CSV has a header row but no data rows`);
    return {
      report: this.tally.report(this.options.fileName, this.bytes, stoppedAt),
      heldOut: this.options.holdOut ? this.tally.heldOut() : { usableRows: 0, tokens: 0 },
      uploadRefusal: this.uploadRefusal(stoppedAt),
    };
  }

  private uploadRefusal(stoppedAt: RowProblem | null): string | null {
    const rows = (n: number, what: string): string | null => (n === 0 ? null : `${n} row${n === 1 ? '' : 's'} ${what}`);
    const reasons = [
      rows(this.wrongWidthRows, 'with more or fewer fields than the header'),
      rows(this.refusedEmptyRows, 'with an empty answer'),
      stoppedAt === null ? null : `its quoting broken at line ${stoppedAt.line}`,
    ].filter((why) => why !== null);
    return reasons.length === 0 ? null : reasons.join(', and ');
  }

  private record(record: ScannedRecord): void {
    if (this.header === null) return this.readHeader(record);
    if (this.cancelled()) throw new AnalysisCancelled();
    const row = this.tally.rowRead();
    const problem = (kind: RowProblem['kind'], message: string): void =>
      this.tally.problem({ kind, row, line: record.line, message: `row ${row} (line ${record.line}): ${message}` });
    const width = this.header.length;
    if (record.fieldCount !== width) this.wrongWidthRows++;
    if (record.blank && width > 1)
      return problem(
        'MISSING_COLUMN',
        `the line holds only whitespace, which is read as a row of 1 field (only an empty line is ` +
          `skipped); ${WIDTH_RULE}: delete the line`,
      );
    if (record.fieldCount < width) {
      const missing = this.header
        .slice(record.fieldCount)
        .map((h) => quote(h))
        .join(', ');
      return problem(
        'MISSING_COLUMN',
        `has ${record.fieldCount} of ${width} fields: no value for ${missing}; ${WIDTH_RULE}`,
      );
    }
    if (record.fieldCount > width)
      return problem(
        'EXTRA_FIELDS',
        `has ${record.fieldCount} fields, the header names ${width} (an unquoted comma?); ${WIDTH_RULE}: ` +
          `quote a value that holds a comma`,
      );
    const answer = record.fields[this.answerIndex]!;
    const prompt = this.promptIndex === -1 ? null : record.fields[this.promptIndex]!;
    const column = `answer column ${quote(this.options.answerColumn)}`;
    if (answer.empty && this.options.provider === 'together') {
      this.refusedEmptyRows++;
      return problem(
        'EMPTY_ANSWER',
        `${column} is empty; the upload refuses the whole file: the CSV→JSONL conversion takes no row without an answer`,
      );
    }
    if (answer.empty) return problem('EMPTY_ANSWER', `${column} is empty: the row trains nothing`);
    this.tally.usableRow(row, rowHash(prompt?.digest() ?? 0, answer.digest()));
    this.tally.counted(countRow(this.counter, this.template, prompt, answer, this.options.contextLength));
  }

  private readHeader(record: ScannedRecord): void {
    const header = record.fields.map((field) => field?.text() ?? '');
    const { label, provider } = this.options;
    const refused = provider === 'nscale' ? headerProblem(header, headerIdentity(record.fields, header)) : undefined;
    if (refused !== undefined) throw new AnalysisInputError('BAD_HEADER', `${label}: not a valid CSV file: ${refused}`);
    const columnIndex = (column: string, what: string): number => {
      const index = header.indexOf(column.trim());
      if (index === -1) {
        const names = header.map((h) => quote(h)).join(', ');
        throw new AnalysisInputError(
          'NO_SUCH_COLUMN',
          `${label}: no ${what} column ${quote(column)}; the header row names ${names}`,
        );
      }
      return index;
    };
    this.answerIndex = columnIndex(this.options.answerColumn, 'answer');
    this.promptIndex = this.options.promptColumn === null ? -1 : columnIndex(this.options.promptColumn, 'prompt');
    this.header = header;
    const cap = this.options.contextLength * CHARS_PER_TOKEN;
    this.scanner.keepColumns(
      (i) => (i === this.answerIndex || i === this.promptIndex ? cap : null),
      provider === 'nscale',
    );
  }
}
