/** The Together simulator's pure rules: what a row costs in tokens, what tokens cost, what a file check makes of rows. */
import { describe, expect, it } from 'vitest';
import { encodeText } from '../../../src/contract/tokenizers.js';
import { checkFile } from '../../../src/simulator/together/file-checks.js';
import { findModel } from '../../../src/simulator/together/models.js';
import { computePrice } from '../../../src/simulator/together/pricing.js';
import { fileTokens } from '../../../src/simulator/together/job-plan.js';
import { loadSampleCounter, textWithin } from '../../../src/simulator/together/sample-tokens.js';

const model = (name: string) => {
  const found = findModel(name);
  if (found === undefined) throw new Error(name);
  return found;
};

describe('tokens of a row', () => {
  it("counts a Llama row with Llama 3's tokenizer plus the llama3-instruct template's 11 tokens", async () => {
    const count = await loadSampleCounter(model('meta-llama/Meta-Llama-3.1-8B-Instruct-Reference'));
    const prompt = 'What is the capital of France?';
    const answer = 'Paris is the capital of France.';
    const tokens = count({
      pieces: [
        { text: prompt, trained: false },
        { text: answer, trained: true },
      ],
      messages: 2,
    });
    const answerTokens = (await encodeText('llama3', answer, 'answer')).length;
    expect(tokens).toEqual({
      total: (await encodeText('llama3', prompt, 'prompt')).length + answerTokens + 11,
      trained: answerTokens,
    });
  });

  it('pays the template once per two messages, rounded up, and counts a model without a tokenizer (Gemma until it had one) at four characters a token', async () => {
    const llama = await loadSampleCounter(model('meta-llama/Llama-3.2-3B-Instruct'));
    const empty = (messages: number) => ({ pieces: [], messages });
    expect([1, 2, 3, 4].map((n) => llama(empty(n)).total)).toEqual([6, 11, 17, 22]);
    const gemma = await loadSampleCounter({ ...model('google/gemma-3-4b-it'), tokenizer: null, template: null });
    expect(gemma({ pieces: [{ text: 'abcdefghi', trained: true }], messages: 1 })).toEqual({
      total: 3 + 2,
      trained: 3,
    });
  });
});

describe('tokens of a row longer than a sequence', () => {
  it('counts a 20 MB row as the sequence it trains on, reading only the text that can fill it', async () => {
    const count = await loadSampleCounter(model('meta-llama/Llama-3.2-3B-Instruct'));
    const huge = 'word '.repeat(4 * 1024 * 1024);
    const row = {
      pieces: [
        { text: huge, trained: false },
        { text: 'the answer', trained: true },
      ],
      messages: 2,
    };
    expect(fileTokens([row], count, 8192)).toBe(8192);
    const bounded = count(row, 8192);
    // The prompt alone fills the sequence: the answer is not read, and the prompt only up to 8192 × 16 characters.
    expect(bounded.trained).toBe(0);
    expect(bounded.total).toBeGreaterThanOrEqual(8192);
    expect(bounded.total).toBe(11 + (await encodeText('llama3', textWithin(huge, 8192), 'prompt')).length);
    expect(textWithin(huge, 8192)).toHaveLength(8192 * 16);
    expect(textWithin('short', 8192)).toBe('short');
  });
});

describe('price of tokens', () => {
  it('bills epochs × training tokens + evaluations × validation tokens at the rate of the size class and kind', () => {
    const small = model('Qwen/Qwen2.5-7B-Instruct');
    const large = model('meta-llama/Llama-3.3-70B-Instruct-Reference');
    const input = { nEpochs: 2, nEvals: 3, trainingTokens: 400_000, validationTokens: 100_000 };
    expect(computePrice({ ...input, model: small, kind: { type: 'Lora', method: 'sft' } })).toEqual({
      trainTokens: 800_000,
      evalTokens: 300_000,
      total: 0.528,
    });
    expect(computePrice({ ...input, model: large, kind: { type: 'Full', method: 'dpo' } }).total).toBe(8.8);
  });
});

describe('rows of a checked file', () => {
  it('makes a preference row its context (not trained) and both outputs (trained)', () => {
    const row = {
      input: {
        messages: [
          { role: 'system', content: 'Be kind.' },
          { role: 'user', content: 'Hi' },
        ],
      },
      preferred_output: [{ role: 'assistant', content: 'Hello!' }],
      non_preferred_output: [{ role: 'assistant', content: 'Go away.' }],
    };
    const check = checkFile(Buffer.from(`${JSON.stringify(row)}\n`), 'jsonl', 'fine-tune');
    expect(check).toMatchObject({ ok: true, format: 'preference_openai', lines: 1 });
    if (!check.ok) return;
    expect(check.samples[0]!.pieces.map((p) => [p.text, p.trained])).toEqual([
      ['Be kind.', false],
      ['Hi', false],
      ['Hello!', true],
      ['Go away.', true],
    ]);
  });

  it('does not train on an assistant message of weight 0, and refuses other weights', () => {
    const messages = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b', weight: 0 },
      { role: 'user', content: 'c' },
      { role: 'assistant', content: 'd' },
    ];
    const check = checkFile(Buffer.from(JSON.stringify({ messages })), 'jsonl', 'fine-tune');
    expect(check.ok && check.samples[0]!.pieces.map((p) => p.trained)).toEqual([false, false, false, true]);
    const bad = checkFile(
      Buffer.from(
        JSON.stringify({
          messages: [
            { role: 'user', content: 'a' },
            { role: 'assistant', content: 'b', weight: 2 },
          ],
        }),
      ),
      'jsonl',
      'fine-tune',
    );
    expect(bad).toMatchObject({ ok: false, message: 'Weight must be 0 or 1 on line 1.' });
  });
});
