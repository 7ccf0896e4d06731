/**
 * What one CSV row costs in tokens: the one rule the simulator bills by and the gateway's pre-flight
 * analysis counts by, so that the two agree to the token.
 *
 * A row is its prompt (when the job names a prompt column) and its answer, each trimmed (Llama 3's
 * template trims; stray spaces around a CSV cell are not meant as text) and encoded with the base
 * model's tokenizer at its place in the chat template, plus the template's own tokens. Counting the
 * parts separately equals encoding the rendered template whole, because special tokens (or, for
 * Mistral, the spaces around `[INST]`) separate them; tests check it on reference rows.
 *
 * A row whose answer is empty trains nothing and is not billed.
 */
import type { ChatTemplate } from './chat-templates.js';
import type { TokenCounter } from './tokenizers.js';

export interface RowTokens {
  prompt: number;
  answer: number;
  template: number;
  total: number;
}

export const NO_TOKENS: RowTokens = { prompt: 0, answer: 0, template: 0, total: 0 };

/** Whether a row is trained on (and billed): its answer has text. */
export function isTrainable(answer: string): boolean {
  return answer.trim() !== '';
}

export function countRowTokens(
  counter: TokenCounter,
  template: ChatTemplate,
  prompt: string | null,
  answer: string,
): RowTokens {
  if (!isTrainable(answer)) return NO_TOKENS;
  const p = prompt === null ? 0 : counter.count(prompt.trim(), 'prompt');
  const a = counter.count(answer.trim(), 'answer');
  return { prompt: p, answer: a, template: template.overheadTokens, total: p + a + template.overheadTokens };
}
