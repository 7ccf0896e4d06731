/**
 * The simulator's token-counting thread (row-counter.ts): sums the rows of one batch by the contract's
 * row rule. Each vocabulary is loaded the first time a batch for its family arrives, and kept.
 */
import { parentPort } from 'node:worker_threads';
import { countBatch, type RowBatch, type RowBatchResult } from './row-batch.js';

parentPort?.on('message', (batch: RowBatch) => {
  countBatch(batch).then(
    (tokens) => parentPort!.postMessage({ id: batch.id, tokens } satisfies RowBatchResult),
    (error: unknown) => parentPort!.postMessage({ id: batch.id, error: String(error) } satisfies RowBatchResult),
  );
});
