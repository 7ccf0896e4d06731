/**
 * Adds up one file's rows as their token counts come back from the pool, in any order, in memory
 * bounded by the row count (one number per row, kept for the hold-out split and the listings) rather
 * than by the file's size. Duplicates are found by a 53-bit hash of prompt and answer per row.
 */
import type { FileReport, HistogramBucket, RowProblem, RowTokensAt, TokenTotals } from './report.js';

/** How many problems, duplicates and over-long rows a report lists; all are counted. */
export const LISTED = 20;
const LARGEST = 5;
const EDGES = [64, 128, 256, 512, 1024, 2048, 4096, 8192];

/** cyrb53 (public domain): a fast 53-bit string hash, collisions negligible below billions of rows. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export class FileTally {
  private totals = new Uint32Array(1024);
  private rows = 0;
  private usable = 0;
  private readonly tokens: TokenTotals = { prompt: 0, answer: 0, template: 0, total: 0 };
  private problemCount = 0;
  private readonly problems: RowProblem[] = [];
  private readonly seen = new Map<number, number>();
  private duplicateCount = 0;
  private readonly duplicates: { row: number; duplicateOf: number }[] = [];

  /** A data row was read (usable or not): `row` is 1-based and arrives in order. */
  rowRead(row: number): void {
    this.rows = row;
    if (row > this.totals.length) {
      const grown = new Uint32Array(this.totals.length * 2);
      grown.set(this.totals);
      this.totals = grown;
    }
  }

  problem(problem: RowProblem): void {
    this.problemCount++;
    if (this.problems.length < LISTED) this.problems.push(problem);
  }

  /** Records a usable row's text for duplicate detection; rows arrive in order. */
  usableRow(row: number, prompt: string | null, answer: string): void {
    this.usable++;
    const key = hash53(`${prompt?.trim() ?? ''}\u0000${answer.trim()}`);
    const first = this.seen.get(key);
    if (first === undefined) {
      this.seen.set(key, row);
      return;
    }
    this.duplicateCount++;
    if (this.duplicates.length < LISTED) this.duplicates.push({ row, duplicateOf: first });
  }

  counted(row: number, prompt: number, answer: number, template: number): void {
    const total = prompt + answer + template;
    this.totals[row - 1] = total;
    this.tokens.prompt += prompt;
    this.tokens.answer += answer;
    this.tokens.template += template;
    this.tokens.total += total;
  }

  rowsRead(): number {
    return this.rows;
  }

  /** Tokens of rows `from` to `to` (1-based, inclusive). */
  sum(from: number, to: number): number {
    let sum = 0;
    for (let i = from - 1; i < to; i++) sum += this.totals[i] ?? 0;
    return sum;
  }

  report(fileName: string, bytes: number, contextLength: number, stoppedAt: RowProblem | null): FileReport {
    const histogram: HistogramBucket[] = [
      ...EDGES.map((to, i) => ({ fromTokens: (EDGES[i - 1] ?? 0) + 1, toTokens: to as number | null, rows: 0 })),
      { fromTokens: 8193, toTokens: null, rows: 0 },
    ];
    const largest: RowTokensAt[] = [];
    const overContext: RowTokensAt[] = [];
    let overContextCount = 0;
    for (let i = 0; i < this.rows; i++) {
      const tokens = this.totals[i] ?? 0;
      if (tokens === 0) continue;
      const bucket = EDGES.findIndex((edge) => tokens <= edge);
      histogram[bucket === -1 ? EDGES.length : bucket]!.rows++;
      if (tokens > contextLength) {
        overContextCount++;
        if (overContext.length < LISTED) overContext.push({ row: i + 1, tokens });
      }
      if (largest.length < LARGEST || tokens > largest[largest.length - 1]!.tokens) {
        largest.push({ row: i + 1, tokens });
        largest.sort((a, b) => b.tokens - a.tokens || a.row - b.row);
        if (largest.length > LARGEST) largest.pop();
      }
    }
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
      histogram,
      largestRows: largest,
      overContextCount,
      overContext,
      stoppedAt,
    };
  }
}
