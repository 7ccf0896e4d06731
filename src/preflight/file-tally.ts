/**
 * Adds up one file's rows in row order, in memory that does not grow with the file: the totals,
 * histogram, longest and over-context rows are kept as they go; per-row token counts only for the
 * last 1 % (the rows the service would hold out for evaluation: `heldOutRows` never shrinks as rows
 * come, so the tail kept always covers it); duplicates in a bounded table (duplicate-table.ts).
 */
import { heldOutRows } from '../contract/hold-out.js';
import { DuplicateTable } from './duplicate-table.js';
import type { FileReport, HistogramBucket, RowProblem, RowTokensAt, TokenTotals } from './report.js';

/** How many problems, duplicates and over-long rows a report lists; all are counted. */
export const LISTED = 20;
const LARGEST = 5;
const EDGES = [64, 128, 256, 512, 1024, 2048, 4096, 8192];

export interface FileTallyOptions {
  contextLength: number;
  /** A row longer than `contextLength` is counted as cut there, its end (the answer) first. */
  cutAtContext: boolean;
  /** Distinct rows remembered for duplicate detection (ANALYZE_DUPLICATE_ROWS). */
  duplicateRows: number;
  /** Whether the service would hold out the last rows (no validation file): their tokens are kept apart. */
  holdOut: boolean;
}

/** The row tokens a tally is given: exact, or estimated from the row's start. */
export interface CountedRow {
  prompt: number;
  answer: number;
  template: number;
  estimated: boolean;
}

export class FileTally {
  private rows = 0;
  private usable = 0;
  private readonly tokens: TokenTotals = { prompt: 0, answer: 0, template: 0, total: 0 };
  private problemCount = 0;
  private readonly problems: RowProblem[] = [];
  private readonly seen: DuplicateTable;
  private duplicateCount = 0;
  private readonly duplicates: { row: number; duplicateOf: number }[] = [];
  private readonly histogram: HistogramBucket[] = [
    ...EDGES.map((to, i) => ({ fromTokens: (EDGES[i - 1] ?? 0) + 1, toTokens: to as number | null, rows: 0 })),
    { fromTokens: 8193, toTokens: null, rows: 0 },
  ];
  private readonly largest: RowTokensAt[] = [];
  private overContextCount = 0;
  private readonly overContext: RowTokensAt[] = [];
  private estimatedRows = 0;
  /** Tokens of the last rows (the hold-out), oldest first from `tailStart`; null for a row not usable. */
  private tail: (number | null)[] = [];
  private tailStart = 0;

  constructor(private readonly options: FileTallyOptions) {
    this.seen = new DuplicateTable(options.duplicateRows);
  }

  /** A data row was read, usable or not: rows arrive in order, 1 first. */
  rowRead(): number {
    this.rows++;
    if (this.options.holdOut) {
      this.tail.push(null);
      const keep = Math.max(1, heldOutRows(this.rows));
      if (this.tail.length - this.tailStart > keep) this.tailStart++;
      // Compacted now and then, so that the array holds about the tail only.
      if (this.tailStart > 1024 && this.tailStart * 2 > this.tail.length) {
        this.tail = this.tail.slice(this.tailStart);
        this.tailStart = 0;
      }
    }
    return this.rows;
  }

  problem(problem: RowProblem): void {
    this.problemCount++;
    if (this.problems.length < LISTED) this.problems.push(problem);
  }

  /** A usable row, by the hash of its prompt and answer: whether it repeats an earlier one. */
  usableRow(row: number, hash: number): void {
    this.usable++;
    const first = this.seen.check(hash, row);
    if (first === 0) return;
    this.duplicateCount++;
    if (this.duplicates.length < LISTED) this.duplicates.push({ row, duplicateOf: first });
  }

  /** The tokens of the row last read. */
  counted(whole: CountedRow): void {
    const row = this.rows;
    const total = whole.prompt + whole.answer + whole.template;
    const counted = this.options.cutAtContext ? cutAt(whole, this.options.contextLength) : whole;
    this.tokens.prompt += counted.prompt;
    this.tokens.answer += counted.answer;
    this.tokens.template += counted.template;
    // Billed as trained (cut, where the service cuts); listed and bucketed by its whole length.
    const billed = counted.prompt + counted.answer + counted.template;
    this.tokens.total += billed;
    if (counted.estimated) this.estimatedRows++;
    if (this.options.holdOut) this.tail[this.tail.length - 1] = billed;
    const bucket = EDGES.findIndex((edge) => total <= edge);
    this.histogram[bucket === -1 ? EDGES.length : bucket]!.rows++;
    if (total > this.options.contextLength) {
      this.overContextCount++;
      if (this.overContext.length < LISTED) this.overContext.push({ row, tokens: total });
    }
    if (this.largest.length < LARGEST || total > this.largest[this.largest.length - 1]!.tokens) {
      this.largest.push({ row, tokens: total });
      this.largest.sort((a, b) => b.tokens - a.tokens || a.row - b.row);
      if (this.largest.length > LARGEST) this.largest.pop();
    }
  }

  rowsRead(): number {
    return this.rows;
  }

  /**
   * The last `heldOutRows(rowsRead)` rows, the service's hold-out (it takes them by position, usable or
   * not): how many of them are usable (evaluated on), and their tokens. Nothing without a hold-out.
   */
  heldOut(): { usableRows: number; tokens: number } {
    const held = heldOutRows(this.rows);
    let usableRows = 0;
    let tokens = 0;
    for (let i = Math.max(0, this.tail.length - held); i < this.tail.length; i++) {
      const rowTokens = this.tail[i];
      if (rowTokens == null) continue;
      usableRows++;
      tokens += rowTokens;
    }
    return { usableRows, tokens };
  }

  private approximations(): string[] {
    const notes: string[] = [];
    if (this.estimatedRows > 0)
      notes.push(
        `${this.estimatedRows} row(s) too long to count whole: their tokens were counted on their start, ` +
          `until past the context length of ${this.options.contextLength}, and the rest estimated at the ` +
          `same tokens per character`,
      );
    if (this.seen.full)
      notes.push(
        `duplicates: the first ${this.options.duplicateRows} distinct rows were remembered ` +
          `(ANALYZE_DUPLICATE_ROWS); later rows were checked against those only`,
      );
    return notes;
  }

  report(fileName: string, bytes: number, stoppedAt: RowProblem | null): FileReport {
    return {
      fileName,
      bytes,
      rowsRead: this.rows,
      usableRows: this.usable,
      problemCount: this.problemCount,
      problems: this.problems,
      duplicateCount: this.duplicateCount,
      duplicates: this.duplicates,
      tokens: { ...this.tokens },
      histogram: this.histogram,
      largestRows: this.largest,
      overContextCount: this.overContextCount,
      overContext: this.overContext,
      stoppedAt,
      estimatedRows: this.estimatedRows,
      approximations: this.approximations(),
    };
  }
}

/**
 * A row as a service that cuts it at `limit` tokens trains on it: exact once cut (counting reached
 * the limit, so the row is at least that long), the end first: the answer, then the prompt.
 */
function cutAt(row: CountedRow, limit: number): CountedRow {
  const over = row.prompt + row.answer + row.template - limit;
  if (over <= 0) return row;
  const answer = Math.max(0, row.answer - over);
  const prompt = Math.max(0, row.prompt - Math.max(0, over - row.answer));
  return { prompt, answer, template: limit - prompt - answer, estimated: false };
}
