/**
 * The simulator's token-counting thread (row-counter.ts): sums the rows of one batch by the contract's
 * row rule. Each vocabulary is loaded the first time a batch for its family arrives, and kept.
 */
import { parentPort } from 'node:worker_threads';
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

async function countBatch(batch: RowBatch): Promise<number> {
  const template = chatTemplateFor(batch.baseModelId);
  if (template === undefined) throw new Error(`no chat template for base model ${batch.baseModelId}`);
  const counter = await loadTokenCounter(template.family);
  let tokens = 0;
  for (let i = 0; i < batch.answers.length; i++)
    tokens += countRowTokens(counter, template, batch.prompts[i] ?? null, batch.answers[i] ?? '').total;
  return tokens;
}

parentPort?.on('message', (batch: RowBatch) => {
  countBatch(batch).then(
    (tokens) => parentPort!.postMessage({ id: batch.id, tokens } satisfies RowBatchResult),
    (error: unknown) => parentPort!.postMessage({ id: batch.id, error: String(error) } satisfies RowBatchResult),
  );
});
