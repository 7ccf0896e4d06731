/**
 * One CSV field as the analysis keeps it, whatever its length: the start of its text (at most `cap`
 * characters: enough to count a row up to its context length), its length, and a 53-bit hash of all
 * of its trimmed text for duplicate detection. A 150 MB cell costs `cap` characters of memory, not
 * 150 MB.
 *
 * The text counted is trimmed or as written, as the provider's upload sends it (`trim`): Nscale's row
 * rule trims each cell (src/contract/row-tokens.ts), while Together is sent the cells as written by
 * the CSV→JSONL conversion (src/upstream/together/csv-to-jsonl.ts), where an answer's leading spaces
 * may be a code block's indentation. Duplicates are found on the trimmed text either way: rows that
 * differ only by spaces around their cells read as the same example.
 */

/** JavaScript's `trim()` whitespace. */
export function isSpace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * Trailing whitespace is held back until a later character shows it is inside the text; past this
 * much it is hashed at once (rows that differ only by more trailing whitespace than this would then
 * differ), so that a cell of spaces cannot grow it.
 */
const HELD_SPACE = 4096;

export class FieldText {
  private readonly parts: string[] = [];
  private kept = 0;
  private started = false;
  private held = '';
  /** Characters appended (when trimmed, from the first non-space one on; `length()` leaves out trailing whitespace). */
  chars = 0;
  /** cyrb53 state (public domain hash), fed the trimmed text. */
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  constructor(
    private readonly cap: number,
    /** Whether the text kept and counted is trimmed (Nscale) or as written (Together). @default true */
    private readonly trim = true,
  ) {}

  append(chunk: string, from: number, to: number): void {
    // Where the trimmed text starts in this chunk: the hash always follows it.
    let start = from;
    if (!this.started) {
      while (start < to && isSpace(chunk.charCodeAt(start))) start++;
      if (start < to) this.started = true;
    }
    for (let i = start; i < to; i++) {
      const code = chunk.charCodeAt(i);
      if (isSpace(code)) {
        this.held += chunk[i];
        if (this.held.length > HELD_SPACE) this.flushHeld();
        continue;
      }
      if (this.held !== '') this.flushHeld();
      this.hash(code);
    }
    const keepFrom = this.trim ? start : from;
    this.chars += to - keepFrom;
    if (this.kept < this.cap && keepFrom < to) {
      const piece = chunk.slice(keepFrom, Math.min(to, keepFrom + this.cap - this.kept));
      this.parts.push(piece);
      this.kept += piece.length;
    }
  }

  /** Appends one character (an escaped quote). */
  appendChar(char: string): void {
    this.append(char, 0, 1);
  }

  private flushHeld(): void {
    for (let i = 0; i < this.held.length; i++) this.hash(this.held.charCodeAt(i));
    this.held = '';
  }

  private hash(code: number): void {
    this.h1 = Math.imul(this.h1 ^ code, 2654435761);
    this.h2 = Math.imul(this.h2 ^ code, 1597334677);
  }

  /** Whether the field has no text but whitespace (an answer with none trains nothing). */
  get empty(): boolean {
    return !this.started;
  }

  /** The kept start of the text (trimmed or as written): the whole of it unless `truncated`. */
  text(): string {
    const joined = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    if (this.parts.length > 1) this.parts.splice(0, this.parts.length, joined);
    return this.truncated || !this.trim ? joined : joined.trimEnd();
  }

  get truncated(): boolean {
    return this.length() > this.kept;
  }

  /** Length in characters, trimmed or as written. */
  length(): number {
    return this.trim ? this.chars - this.held.length : this.chars;
  }

  digest(): number {
    let h1 = Math.imul(this.h1 ^ (this.h1 >>> 16), 2246822507) ^ Math.imul(this.h2 ^ (this.h2 >>> 13), 3266489909);
    const h2 = Math.imul(this.h2 ^ (this.h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    h1 = h1 >>> 0;
    return 4294967296 * (2097151 & h2) + h1;
  }
}
