/**
 * Tokens of a data row for a model: each text encoded with the model family's tokenizer (the ones
 * the project ships, src/contract/tokenizers.ts), plus the model's chat-template tokens. A template's
 * overhead is counted for one user/assistant turn; a row pays it once per two messages, rounded up
 * (ours: Together does not publish how it renders rows). A family without a tokenizer in the
 * project (none in today's catalogue) is counted at one token per four characters and two template
 * tokens a message.
 */
import { ALL_CHAT_TEMPLATES } from '../../contract/chat-templates.js';
import { loadTokenCounter, type TokenCounter } from '../../contract/tokenizers.js';
import type { FineTuneModel } from './models.js';
import type { Sample } from './samples.js';

interface SampleTokens {
  total: number;
  /** Tokens of the pieces trained on (answers). */
  trained: number;
}

export type SampleCounter = (sample: Sample) => SampleTokens;

const CHARS_PER_TOKEN = 4;

function overhead(model: FineTuneModel, messages: number): number {
  const template = ALL_CHAT_TEMPLATES.find((t) => t.name === model.template);
  if (template === undefined) return 2 * messages;
  return Math.ceil((template.overheadTokens * Math.max(messages, 1)) / 2);
}

export async function loadSampleCounter(model: FineTuneModel): Promise<SampleCounter> {
  const counter: TokenCounter | null = model.tokenizer === null ? null : await loadTokenCounter(model.tokenizer);
  const count = (text: string, trained: boolean): number =>
    counter === null ? Math.ceil(text.length / CHARS_PER_TOKEN) : counter.count(text, trained ? 'answer' : 'prompt');
  return (sample) => {
    let total = overhead(model, sample.messages);
    let trained = 0;
    for (const piece of sample.pieces) {
      const tokens = count(piece.text, piece.trained);
      total += tokens;
      if (piece.trained) trained += tokens;
    }
    return { total, trained };
  };
}
