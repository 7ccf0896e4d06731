/**
 * Regression: a row of one repeated character cost 0.3 s of Qwen2's tokenizer (its BPE merges a long
 * "word" character by character), and a 20 MB file of them 50 s of a worker. Long pieces seen again in
 * a file are now remembered: the counts stay the tokenizer's own, to the token.
 */
import { describe, expect, it } from 'vitest';
import { loadTokenCounter, type TokenizerFamily } from '../../src/contract/tokenizers.js';
import { withPieceMemo } from '../../src/preflight/piece-memo.js';

const prose = 'The quick brown fox jumps over the lazy dog, then naps. '.repeat(400);
const texts = [
  'a'.repeat(120_000),
  ' '.repeat(20_000) + 'x',
  prose,
  prose + 'b'.repeat(9000) + prose.slice(0, 5000),
  'short answer',
  '▁▁▁ déjà vu 中文 '.repeat(900),
];

describe('counting with remembered pieces gives the same counts', () => {
  for (const family of ['qwen2', 'llama3', 'mistral'] as TokenizerFamily[]) {
    it(`${family}: count and countUpTo, at the start of the prompt and of the answer, twice over`, async () => {
      const counter = await loadTokenCounter(family);
      const memo = withPieceMemo(counter);
      for (let round = 0; round < 2; round++)
        for (const text of texts)
          for (const position of ['prompt', 'answer'] as const) {
            expect(memo.count(text, position)).toBe(counter.count(text, position));
            expect(memo.countUpTo(text, position, 8192)).toEqual(counter.countUpTo(text, position, 8192));
            expect(memo.countUpTo(text, position, 100)).toEqual(counter.countUpTo(text, position, 100));
          }
    });
  }
});
