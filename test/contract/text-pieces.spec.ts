/**
 * A long text is counted in pieces (text-pieces.ts), cut before a space that precedes a word: for
 * text with such spaces the pieces' counts add up to the whole text's encoding, for every family and
 * both positions of the template, so that counting in pieces changes no bill.
 */
import { describe, expect, it } from 'vitest';
import { PIECE_CHARS, pieceEnd } from '../../src/contract/text-pieces.js';
import { encodeText, loadTokenCounter, type TokenizerFamily } from '../../src/contract/tokenizers.js';

const WORDS = [
  'invoice',
  'Tschüß',
  '¿qué',
  'tal?',
  '日本語の',
  'export,',
  'data.',
  '🚚',
  '==',
  '- item',
  '(see',
  'below)',
];
const SPACING = [' ', ' ', ' ', '  ', '\n', '\n\n', ' \n ', '\t', '. ', '   '];

function prose(chars: number): string {
  let seed = 11;
  const pick = <T>(list: readonly T[]): T => list[(seed = (seed * 1103515245 + 12345) & 0x7fffffff) % list.length]!;
  let text = '';
  while (text.length < chars) text += pick(WORDS) + pick(SPACING);
  return text;
}

describe('counting in pieces', () => {
  it.each(['llama3', 'mistral', 'qwen2'] as TokenizerFamily[])(
    'adds up to the whole text’s encoding (%s)',
    { timeout: 60_000 },
    async (family) => {
      const counter = await loadTokenCounter(family);
      const text = prose(PIECE_CHARS * 4);
      for (const position of ['prompt', 'answer'] as const)
        expect(counter.count(text, position)).toBe((await encodeText(family, text, position)).length);
    },
  );

  it('cuts before a space that precedes a word, never inside a surrogate pair', () => {
    const text = `${'a'.repeat(6000)} b${'c'.repeat(5000)}`;
    expect(pieceEnd(text, 0)).toBe(6000);
    const emoji = '🚚'.repeat(PIECE_CHARS); // no space at all: a cut at the limit, moved off the pair
    expect(pieceEnd(emoji, 1) % 2).toBe(0); // pairs start at even indices
  });

  it('counts only until past a limit, saying how much of the text it read', async () => {
    const counter = await loadTokenCounter('llama3');
    const text = prose(PIECE_CHARS * 8);
    const partial = counter.countUpTo(text, 'answer', 100);
    expect(partial.tokens).toBeGreaterThan(100);
    expect(partial.chars).toBeLessThan(text.length);
  });
});
