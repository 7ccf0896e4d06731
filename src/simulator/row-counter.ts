/**
 * Token counting off the simulator's event loop. The embedded simulator runs in the gateway's
 * process: counting a 30 MB dataset for a cost estimate on the main thread once held every query of
 * every caller for 17.6 s. Rows go to one worker thread in batches (a few hundred KB of text each, so
 * that copying one to the thread is short too), and the loop serves requests between batches.
 *
 * One thread, not a pool: the simulator is a test double and a demo, and one thread keeps a second
 * core free for the gateway. It starts with the first count that needs it, does not keep the process
 * alive, and is replaced if it dies. Input that fits in one batch is counted on the loop instead: it
 * holds the loop no longer than one batch would be copied, and starting a thread (which loads its own
 * vocabulary) costs far more than counting a few hundred KB.
 */
import { Worker } from 'node:worker_threads';
import { countBatch, type RowBatch, type RowBatchResult } from './row-batch.js';

export interface RowCounter {
  /** Tokens of the rows (prompt or null, answer) by the contract's row rule for the base model. */
  count(baseModelId: string, rows: Iterable<[string | null, string]>): Promise<number>;
  close(): Promise<void>;
}

const BATCH_CHARS = 256 * 1024;
const BATCH_ROWS = 2048;

function workerFile(): URL {
  const fromSource = new URL(import.meta.url).pathname.endsWith('.ts');
  return new URL(fromSource ? './row-counter-worker-tsx.mjs' : './row-counter-worker.js', import.meta.url);
}

export function createRowCounter(): RowCounter {
  let worker: Worker | undefined;
  let nextId = 1;
  const waiting = new Map<number, { resolve(tokens: number): void; reject(error: Error): void }>();

  const started = (): Worker => {
    if (worker) return worker;
    const running = new Worker(workerFile());
    running.unref();
    running.on('message', (result: RowBatchResult) => {
      const entry = waiting.get(result.id);
      waiting.delete(result.id);
      if ('error' in result) entry?.reject(new Error(result.error));
      else entry?.resolve(result.tokens);
    });
    const failAll = (error: Error): void => {
      if (worker === running) worker = undefined;
      for (const entry of waiting.values()) entry.reject(error);
      waiting.clear();
    };
    running.on('error', failAll);
    running.on('exit', (code) => failAll(new Error(`the counting thread exited with code ${code}`)));
    worker = running;
    return running;
  };

  const send = (batch: Omit<RowBatch, 'id'>): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      started().postMessage({ ...batch, id } satisfies RowBatch);
    });

  return {
    async count(baseModelId, rows) {
      let tokens = 0;
      let prompts: (string | null)[] = [];
      let answers: string[] = [];
      let chars = 0;
      let sent = false;
      for (const [prompt, answer] of rows) {
        prompts.push(prompt);
        answers.push(answer);
        chars += answer.length + (prompt?.length ?? 0);
        if (chars >= BATCH_CHARS || answers.length >= BATCH_ROWS) {
          tokens += await send({ baseModelId, prompts, answers });
          sent = true;
          prompts = [];
          answers = [];
          chars = 0;
        }
      }
      if (answers.length === 0) return tokens;
      return (
        tokens +
        (sent ? await send({ baseModelId, prompts, answers }) : await countBatch({ baseModelId, prompts, answers }))
      );
    },
    async close() {
      const running = worker;
      worker = undefined;
      await running?.terminate();
    },
  };
}
