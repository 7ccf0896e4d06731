/**
 * A file's token counter that remembers the count of each long piece it has encoded (text-pieces.ts
 * cuts a field into pieces of at most 8,192 characters), so that a piece seen again in the same file
 * costs a lookup, not the tokenizer. The count is the tokenizer's own, piece by piece, in the
 * contract's order (`countUpTo` in src/contract/tokenizers.ts): the same figure to the token.
 *
 * Why: a tokenizer's cost follows the characters it reads, and a run of one character (or any long
 * text without a space before a word) is one pre-tokenizer "word" that its BPE merges character by
 * character, about 5 µs a character for Qwen2's, ten times ordinary prose (whose words the tokenizer
 * caches), while eight or more characters make one token. Measured here (Qwen2, 8,192 characters):
 * `a`×8192 is 1,024 tokens in 25–40 ms, prose 1,800 tokens in 4 ms; the cost per character stays flat
 * from 512 to 8,192 characters (not superlinear). So a row of 120,000 `a` cost 0.3 s to count up to an
 * 8,192-token context (65,536 characters), and a 20 MB file of them 50 s of a worker. Such a row is
 * eight identical pieces, and every row of such a file the same pieces again: remembered, the file
 * costs one piece's encoding and lookups.
 *
 * Per file, never shared between files (so between callers): nothing of one caller's text can show
 * in another's timing. Bounded: `MEMO_PIECES` pieces of at most 8,192 characters (1 MiB of text).
 */
import { pieceEnd } from '../contract/text-pieces.js';
import type { TextPosition, TokenCounter } from '../contract/tokenizers.js';

/** Shorter pieces are cheap, and the tokenizers cache their words themselves. */
const MEMO_MIN_CHARS = 1024;
/** Pieces remembered per file, the least recently used forgotten first. */
const MEMO_PIECES = 64;

export function withPieceMemo(counter: TokenCounter): TokenCounter {
  const memo = new Map<string, number>();
  // A text's first piece is encoded at its place in the template (SentencePiece's word start), the
  // others as following text: the same piece may count differently at the start, so it is its own key.
  const pieceTokens = (piece: string, position: TextPosition): number => {
    if (piece.length < MEMO_MIN_CHARS) return counter.count(piece, position);
    const key = position === 'prompt' ? `p${piece}` : `a${piece}`;
    const known = memo.get(key);
    if (known !== undefined) {
      memo.delete(key);
      memo.set(key, known);
      return known;
    }
    const tokens = counter.count(piece, position);
    memo.set(key, tokens);
    if (memo.size > MEMO_PIECES) memo.delete(memo.keys().next().value!);
    return tokens;
  };
  const countUpTo = (text: string, position: TextPosition, limit: number) => {
    let tokens = 0;
    let from = 0;
    while (from < text.length && tokens <= limit) {
      const end = pieceEnd(text, from);
      tokens += pieceTokens(text.slice(from, end), from === 0 ? position : 'answer');
      from = end;
    }
    return { tokens, chars: from };
  };
  return {
    family: counter.family,
    count: (text, position) => countUpTo(text, position, Infinity).tokens,
    countUpTo,
  };
}
