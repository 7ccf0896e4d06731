/**
 * The row rule: a row's parts counted separately, plus the template's own tokens, equal the tokenizer's
 * count of the whole rendered template, for each template (so the pinned overheads are right).
 */
import { describe, expect, it } from 'vitest';
import { ALL_CHAT_TEMPLATES, chatTemplateFor } from '../../src/contract/chat-templates.js';
import { countRowTokens } from '../../src/contract/row-tokens.js';
import { encodeText, loadTokenCounter } from '../../src/contract/tokenizers.js';

const ROWS: [string, string][] = [
  [
    'How do I reset my password?',
    'Open Settings → Security and choose "Reset password". A link arrives by email within 5 minutes.',
  ],
  ['¿Puedo cambiar la fecha de entrega?', 'Sí: hasta 24 horas antes, desde «Mis pedidos». 🚚'],
  ['配送には何日かかりますか？', '通常は2〜3営業日でお届けします。😊'],
];

const render = (text: string, prompt: string, answer: string): string =>
  text.replace('{prompt}', prompt).replace('{answer}', answer);

describe('a row costs its prompt, its answer and its template', () => {
  for (const template of ALL_CHAT_TEMPLATES) {
    it(`${template.name}: parts + ${template.overheadTokens} template tokens = the rendered template`, async () => {
      const counter = await loadTokenCounter(template.family);
      for (const [prompt, answer] of ROWS) {
        const row = countRowTokens(counter, template, `  ${prompt} `, `${answer}\n`);
        expect(row.template).toBe(template.overheadTokens);
        expect(row.total).toBe(row.prompt + row.answer + row.template);
        let whole: number;
        if (template.family === 'mistral') {
          // mistral-tokenizer-js does not parse <s>/</s> in text: BOS it adds itself, EOS is one more.
          whole =
            (await encodeText('mistral', render('[INST] {prompt} [/INST]{answer}', prompt, answer), 'prompt')).length +
            2;
        } else if (template.name === 'deepseek-r1-distill') {
          // DeepSeek's four special tokens are not in the Qwen package: count each as one, the text between with Qwen2's BPE.
          whole = 4 + (await encodeText('qwen2', prompt)).length + (await encodeText('qwen2', answer)).length;
        } else {
          whole = (await encodeText(template.family, render(template.text, prompt, answer))).length;
        }
        expect(row.total, `${template.name} ${prompt}`).toBe(whole);
      }
    });
  }

  it('an empty answer is not trained on, so it costs nothing', async () => {
    const template = chatTemplateFor('a7b8c9d0-e1f2-3456-abcd-789012345678')!;
    const row = countRowTokens(await loadTokenCounter('mistral'), template, 'A question', '   ');
    expect(row).toEqual({ prompt: 0, answer: 0, template: 0, total: 0 });
  });

  it('a job without a prompt column counts the answer and the template', async () => {
    const template = chatTemplateFor('e5f6a7b8-c9d0-1234-efab-567890123456')!;
    // llama3-tokenizer-js README: "Hello world!" is 3 tokens without bos/eos.
    expect(countRowTokens(await loadTokenCounter('llama3'), template, null, 'Hello world!')).toEqual({
      prompt: 0,
      answer: 3,
      template: 11,
      total: 14,
    });
  });
});
