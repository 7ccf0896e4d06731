/**
 * The inline-secret scan of request-secrets.ts: the literals a query's text gives arguments named like a
 * secret, found in one pass over the text (it runs on every request, before any limit).
 */

/** What names an argument written inline as a secret. */
const SECRET_ARGUMENT = /token|secret|password/i;

/**
 * The values of the arguments written inline whose name says token, secret or password, as written:
 * `accessToken: "…"`, a block string or a bare value. Between the name, the colon and the value,
 * whatever GraphQL ignores: white space, commas, comments. Read from the text as it is, the document
 * parsed or not (what cannot be parsed may still be quoted by an error or a debug line), comments and
 * strings included: a name anywhere in the text counts, like a word of it.
 *
 * In time linear in the text, whatever it holds: it runs on every request before any limit. (The
 * regular expression that did this before backtracked: 4,000 characters of `token` took 12 s, and a
 * `token` followed by 20 ` #` took a minute.)
 */
export function inlineLiterals(query: string): string[] {
  return new InlineScan(query).literals();
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const HASH = 35;
const COMMA = 44;
const COLON = 58;
const BACKSLASH = 92;

/** `\w`: ASCII letters, digits and `_`. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** JavaScript's `\s` (U+FEFF, GraphQL's ignored byte order mark, included). */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** What ends a bare value: white space, a comma, a closing bracket. */
function endsBareValue(c: number): boolean {
  return c === COMMA || c === 41 /* ) */ || c === 125 /* } */ || c === 93 /* ] */ || isSpace(c);
}

/** What may not follow a backslash in a string (`.` of a regular expression: any character but these). */
function isLineTerminator(c: number): boolean {
  return c === LF || c === CR || c === 0x2028 || c === 0x2029;
}

/**
 * One pass over a document's text. Each word is read once; what follows it (ignored characters, a
 * colon, a value) is read once too thanks to what is remembered: the end of a run of ignored
 * characters from the end of each comment (every word inside a comment would read the rest of it
 * again otherwise), the line each comment ends, the colons followed by no value, the last string left
 * unterminated and whether a block string is left unterminated.
 */
class InlineScan {
  /** The end of a comment → the end of the run of ignored characters it is part of. */
  private readonly runEnds = new Map<number, number>();
  /** Colons after which no value is written. */
  private readonly bareColons = new Set<number>();
  /** No line ends in [lineFrom, lineEnd). */
  private lineFrom = -1;
  private lineEnd = -1;
  /** A string opened at `stringFrom` is left unterminated at `stringFails`, and so is any opened in between. */
  private stringFrom = -1;
  private stringFails = -1;
  /** A block string opened here or after is left unterminated. */
  private blocksUnterminatedFrom = Infinity;

  constructor(private readonly text: string) {}

  literals(): string[] {
    const { text } = this;
    const out: string[] = [];
    let i = 0;
    while (i < text.length) {
      if (!isWordChar(text.charCodeAt(i))) {
        i++;
        continue;
      }
      const start = i;
      while (i < text.length && isWordChar(text.charCodeAt(i))) i++;
      const colon = this.skipIgnored(i);
      if (text.charCodeAt(colon) !== COLON || !SECRET_ARGUMENT.test(text.slice(start, i))) continue;
      const value = this.valueAfter(colon);
      if (value === null) continue;
      out.push(text.slice(value, (i = this.valueEnd(value))));
    }
    return out;
  }

  /** Past white space, commas and comments from `from`. */
  private skipIgnored(from: number): number {
    const { text } = this;
    let comments: number[] | undefined;
    let p = from;
    let end: number | undefined;
    while (p < text.length) {
      const c = text.charCodeAt(p);
      if (c === HASH) {
        p = this.endOfLine(p);
        end = this.runEnds.get(p);
        if (end !== undefined) break;
        (comments ??= []).push(p);
      } else if (c === COMMA || isSpace(c)) p++;
      else break;
    }
    end ??= p;
    for (const comment of comments ?? []) this.runEnds.set(comment, end);
    return end;
  }

  /** The first line feed or carriage return at or after `from`, or the end. */
  private endOfLine(from: number): number {
    if (from >= this.lineFrom && from <= this.lineEnd) return this.lineEnd;
    const { text } = this;
    let p = from;
    while (p < text.length && text.charCodeAt(p) !== LF && text.charCodeAt(p) !== CR) p++;
    this.lineFrom = from;
    this.lineEnd = p;
    return p;
  }

  /** Where the value after `colon` starts; null when none is written. */
  private valueAfter(colon: number): number | null {
    if (this.bareColons.has(colon)) return null;
    const start = this.skipIgnored(colon + 1);
    if (start < this.text.length && !endsBareValue(this.text.charCodeAt(start))) return start;
    this.bareColons.add(colon);
    return null;
  }

  /** The end of the value at `start`: a block string, else a string, else a bare value (never empty). */
  private valueEnd(start: number): number {
    const { text } = this;
    if (text.startsWith('"""', start)) {
      const block = this.blockStringEnd(start);
      return block === -1 ? start + 2 : block; // unterminated: `""`, an empty string, is what is read
    }
    if (text.charCodeAt(start) === QUOTE) {
      const string = this.stringEnd(start);
      if (string !== -1) return string;
    }
    let p = start + 1;
    while (p < text.length && !endsBareValue(text.charCodeAt(p))) p++;
    return p;
  }

  /** The end of the block string opened at `start` (its `\"""` escapes its own), or -1 if it is left open. */
  private blockStringEnd(start: number): number {
    if (start >= this.blocksUnterminatedFrom) return -1;
    const { text } = this;
    for (let p = start + 3; p < text.length;) {
      const c = text.charCodeAt(p);
      if (c === QUOTE && text.startsWith('"""', p)) return p + 3;
      p += c === BACKSLASH && text.startsWith('"""', p + 1) ? 4 : 1;
    }
    // One opened later starts in step with this one (it follows ignored characters or a colon, which
    // no escape holds) and finds no end either.
    this.blocksUnterminatedFrom = start;
    return -1;
  }

  /**
   * The end of the string opened at `start` (`"(?:[^"\\\n]|\\.)*"`), or -1 if it is left open. A quote
   * inside one left open is escaped, so a string opened there is read in step with it to the same end.
   */
  private stringEnd(start: number): number {
    if (start > this.stringFrom && start < this.stringFails) return -1;
    const { text } = this;
    let p = start + 1;
    while (p < text.length) {
      const c = text.charCodeAt(p);
      if (c === QUOTE) return p + 1;
      if (c === LF) break;
      if (c !== BACKSLASH) p++;
      else if (p + 1 < text.length && !isLineTerminator(text.charCodeAt(p + 1))) p += 2;
      else break;
    }
    this.stringFrom = start;
    this.stringFails = p;
    return -1;
  }
}
