/**
 * The worker side of the token pool: counts a batch of rows by the contract's row rule. Each worker
 * thread loads a vocabulary the first time a batch for its family arrives, and keeps it.
 */
import { chatTemplateFor } from '../contract/chat-templates.js';
import { countRowTokens } from '../contract/row-tokens.js';
import { loadTokenCounter } from '../contract/tokenizers.js';

export interface CountTask {
  baseModelId: string;
  /** One entry per row; null when the job names no prompt column. */
  prompts: (string | null)[];
  answers: string[];
}

/** Per row: prompt tokens, answer tokens, template tokens (three numbers per row). */
export default async function countRows(task: CountTask): Promise<Uint32Array> {
  const template = chatTemplateFor(task.baseModelId);
  if (template === undefined) throw new Error(`no chat template for base model ${task.baseModelId}`);
  const counter = await loadTokenCounter(template.family);
  const out = new Uint32Array(task.answers.length * 3);
  for (let i = 0; i < task.answers.length; i++) {
    const row = countRowTokens(counter, template, task.prompts[i] ?? null, task.answers[i] ?? '');
    out[i * 3] = row.prompt;
    out[i * 3 + 1] = row.answer;
    out[i * 3 + 2] = row.template;
  }
  return out;
}
