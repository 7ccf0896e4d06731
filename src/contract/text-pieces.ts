/**
 * Where a long text is cut for its tokenizer: into pieces of at most `maxChars` characters, each cut
 * made just before a space that precedes a word (`word| word`, `end. | Next`). No token of the three
 * tokenizers spans that point (their pre-tokenizers, or SentencePiece's whitespace split, start a
 * token with the space before a word), so the pieces' token counts add up to the whole text's: a
 * test checks it on long texts of every family. Counting in pieces bounds a tokenizer's memory by the piece, not the text
 * (one unbroken 2 MiB cell took a tokenizer past 1 GiB). A stretch of `maxChars` with no such space
 * (one unbroken "word") is cut where it reaches the limit: a count the gateway and the simulator
 * both make, since both count by this rule.
 */

/** Characters per piece: a tokenizer's working memory on this much text stays in the tens of MB. */
export const PIECE_CHARS = 8192;

const SPACE = 0x20;

function isWordChar(code: number): boolean {
  // Not ASCII whitespace or control, nor a common Unicode space.
  return !(code <= 0x20 || code === 0x85 || code === 0xa0 || (code >= 0x2000 && code <= 0x200a) || code === 0x3000);
}

/** The end (exclusive) of the piece that starts at `from`. */
export function pieceEnd(text: string, from: number, maxChars: number = PIECE_CHARS): number {
  const limit = from + maxChars;
  if (limit >= text.length) return text.length;
  // Look back over the second half of the window for a space before a word.
  for (let i = limit; i > from + maxChars / 2; i--) {
    if (text.charCodeAt(i) === SPACE && isWordChar(text.charCodeAt(i + 1))) return i;
  }
  // No such space: cut at the limit, never inside a surrogate pair.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}
