/**
 * One CSV field as the analysis keeps it, whatever its length: the start of its trimmed text (at most
 * `cap` characters: enough to count a row up to its context length), its trimmed length, and a 53-bit
 * hash of all of its trimmed text for duplicate detection. A 150 MB cell costs `cap` characters of
 * memory, not 150 MB.
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
  /** Trimmed length in characters (trailing whitespace included until `finish`). */
  chars = 0;
  /** cyrb53 state (public domain hash), fed the trimmed text. */
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  constructor(private readonly cap: number) {}

  append(chunk: string, from: number, to: number): void {
    let start = from;
    if (!this.started) {
      while (start < to && isSpace(chunk.charCodeAt(start))) start++;
      if (start === to) return;
      this.started = true;
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
    this.chars += to - start;
    if (this.kept < this.cap) {
      const piece = chunk.slice(start, Math.min(to, start + this.cap - this.kept));
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

  /** Whether the field has any text (an answer with none trains nothing). */
  get empty(): boolean {
    return !this.started;
  }

  /** The kept start of the trimmed text: the whole of it unless `truncated`. */
  text(): string {
    const joined = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    if (this.parts.length > 1) this.parts.splice(0, this.parts.length, joined);
    return this.truncated ? joined : joined.trimEnd();
  }

  get truncated(): boolean {
    return this.length() > this.kept;
  }

  /** Trimmed length in characters. */
  length(): number {
    return this.chars - this.held.length;
  }

  digest(): number {
    let h1 = Math.imul(this.h1 ^ (this.h1 >>> 16), 2246822507) ^ Math.imul(this.h2 ^ (this.h2 >>> 13), 3266489909);
    const h2 = Math.imul(this.h2 ^ (this.h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    h1 = h1 >>> 0;
    return 4294967296 * (2097151 & h2) + h1;
  }
}
