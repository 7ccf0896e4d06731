/**
 * Token counting for cost estimates. A plain estimate: the models' real tokenizers arrive later.
 * Words and punctuation runs count one token each, and long words one per four characters, which
 * lands close to BPE counts for English text.
 */
const PIECE = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]+/gu;

export function countTokens(text: string): number {
  let tokens = 0;
  for (const match of text.matchAll(PIECE)) {
    tokens += Math.max(1, Math.ceil(match[0].length / 4));
  }
  return tokens;
}
