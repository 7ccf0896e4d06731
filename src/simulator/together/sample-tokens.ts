/**
 * Tokens of a data row for a model: each text encoded with the model family's tokenizer (the ones
 * the project ships, src/contract/tokenizers.ts), plus the model's chat-template tokens. A template's
 * overhead is counted for one user/assistant turn; a row pays it once per two messages, rounded up
 * (ours: Together does not publish how it renders rows). A family without a tokenizer in the
 * project (none in today's catalogue) is counted at one token per four characters and two template
 * tokens a message.
 *
 * Bounded whatever the row: given the most tokens a row may train on (`maxSeq`), a text is encoded
 * only up to `maxSeq` × 16 characters, and the count stops once it reaches `maxSeq` (the gateway's
 * pre-flight keeps the same 16 characters a token). A single 20 MB row otherwise held the simulator's
 * thread, and with it the gateway it is embedded in, for tens of seconds.
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

/** Tokens of a row; with `maxSeq`, counted only until they reach it (then `total` ≥ `maxSeq`, `trained` so far). */
export type SampleCounter = (sample: Sample, maxSeq?: number) => SampleTokens;

const CHARS_PER_TOKEN = 4;

/** Characters a token may take at most, as the gateway's pre-flight counts (src/preflight/file-analysis.ts). */
const WIDEST_TOKEN_CHARS = 16;

/** The part of a text that can hold the first `maxSeq` tokens. */
export function textWithin(text: string, maxSeq: number): string {
  const cap = maxSeq * WIDEST_TOKEN_CHARS;
  return text.length > cap ? text.slice(0, cap) : text;
}

function overhead(model: FineTuneModel, messages: number): number {
  const template = ALL_CHAT_TEMPLATES.find((t) => t.name === model.template);
  if (template === undefined) return 2 * messages;
  return Math.ceil((template.overheadTokens * Math.max(messages, 1)) / 2);
}

export async function loadSampleCounter(model: FineTuneModel): Promise<SampleCounter> {
  const counter: TokenCounter | null = model.tokenizer === null ? null : await loadTokenCounter(model.tokenizer);
  const count = (text: string, trained: boolean): number =>
    counter === null ? Math.ceil(text.length / CHARS_PER_TOKEN) : counter.count(text, trained ? 'answer' : 'prompt');
  return (sample, maxSeq = Infinity) => {
    let total = overhead(model, sample.messages);
    let trained = 0;
    for (const piece of sample.pieces) {
      if (total >= maxSeq) break;
      const tokens = count(textWithin(piece.text, maxSeq), piece.trained);
      total += tokens;
      if (piece.trained) trained += tokens;
    }
    return { total, trained };
  };
}
