/**
 * One batch of rows counted by the contract's row rule: on the counting thread (row-counter-worker.ts)
 * for large inputs, on the simulator's own loop for one small batch (row-counter.ts says why).
 */
import { chatTemplateFor } from '../contract/chat-templates.js';
import { countRowTokens } from '../contract/row-tokens.js';
import { loadTokenCounter } from '../contract/tokenizers.js';

export interface RowBatch {
  id: number;
  baseModelId: string;
  prompts: (string | null)[];
  answers: string[];
}

export type RowBatchResult = { id: number; tokens: number } | { id: number; error: string };

export async function countBatch(batch: Omit<RowBatch, 'id'>): Promise<number> {
  const template = chatTemplateFor(batch.baseModelId);
  if (template === undefined) throw new Error(`no chat template for base model ${batch.baseModelId}`);
  const counter = await loadTokenCounter(template.family);
  let tokens = 0;
  for (let i = 0; i < batch.answers.length; i++)
    tokens += countRowTokens(counter, template, batch.prompts[i] ?? null, batch.answers[i] ?? '').total;
  return tokens;
}
