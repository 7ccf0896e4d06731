/**
 * How a refusal quotes what a caller sent (a file name, a CSV header's column names, an id): a name
 * can hold characters that do not show, or that change how the text around them shows. A right-to-left
 * override (U+202E) in a file name turns `evil\u202Elsc.csv` into "evilvsc.csl" on screen; a
 * zero-width space or a no-break space makes two different column names look alike. So every such
 * character is written as its escape (`\u202E`), and the reader sees what was really sent.
 *
 * Escaped: the controls (C0, DEL, C1), the format characters (bidirectional marks, embeddings,
 * overrides and isolates, zero-width characters, U+FEFF, soft hyphen…: Unicode's `Cf`), the line and
 * paragraph separators, spaces other than U+0020, and lone surrogates.
 *
 * Pure, in src/contract: the Together client's CSV conversion, the resolvers' refusals (`show` in
 * src/resolvers/validate-together-files.ts) and the pre-flight analysis (in its worker threads) quote
 * names with it.
 */

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}\p{Cs}]/gu;

const escape = (char: string): string => {
  if (char === ' ') return char;
  const code = char.codePointAt(0)!;
  const hex = code.toString(16).toUpperCase();
  return code > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
};

/** `text` with the characters a reader cannot see, or that reorder what is shown, as `\uXXXX` escapes. */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, escape);
}

/** A value as a refusal quotes it: a string in JSON quotes, its invisible characters escaped; anything else as it is. */
export function quote(value: unknown): string {
  return typeof value === 'string' ? escapeInvisible(JSON.stringify(value)) : String(value);
}
