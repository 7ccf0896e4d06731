/**
 * The worker side of the analysis pool (token-pool.ts): one task is one CSV file, whose bytes arrive
 * on the task's own port while the caller's upload streams in, each chunk acknowledged once read (so
 * the main thread sends no more than a few ahead). Everything that costs CPU or memory per byte runs
 * here (file-analysis.ts): the main thread only moves chunks. A worker interleaves several files, a
 * chunk at a time, and keeps each vocabulary it has loaded.
 *
 * A caller who leaves sets the task's flag (shared memory, read between rows) and closes the port:
 * the task returns at once, and the worker goes on with the others. The pool never terminates a
 * worker to cancel (that left queued tasks without a thread, and threw away the vocabulary).
 */
import type { MessagePort } from 'node:worker_threads';
import { chatTemplateFor } from '../contract/chat-templates.js';
import { loadTokenCounter } from '../contract/tokenizers.js';
import { AnalysisCancelled, FileAnalysis, type FileAnalysisOptions, type FileOutcome } from './file-analysis.js';
import { AnalysisInputError, type InputErrorCode } from './input-error.js';

export interface FileTask extends FileAnalysisOptions {
  /** Chunks (Uint8Array, transferred), then null at the end of the file. */
  port: MessagePort;
  /** One Int32: non-zero once the caller has left. */
  cancel: Int32Array;
}

export type TaskOutcome =
  | ({ kind: 'report' } & FileOutcome)
  | { kind: 'input-error'; code: InputErrorCode; message: string }
  | { kind: 'cancelled' };

export default async function analyzeFileTask(task: FileTask): Promise<TaskOutcome> {
  const { port, cancel } = task;
  const cancelled = () => Atomics.load(cancel, 0) !== 0;
  if (cancelled()) {
    port.close();
    return { kind: 'cancelled' };
  }
  const template = chatTemplateFor(task.baseModelId);
  if (template === undefined) throw new Error(`no chat template for base model ${task.baseModelId}`);
  const analysis = new FileAnalysis(task, await loadTokenCounter(template.family), cancelled);
  return new Promise<TaskOutcome>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: TaskOutcome): void => {
      if (settled) return;
      settled = true;
      port.close();
      resolve(outcome);
    };
    const run = (step: () => TaskOutcome | null): void => {
      try {
        const outcome = cancelled() ? { kind: 'cancelled' as const } : step();
        if (outcome) settle(outcome);
      } catch (error) {
        if (error instanceof AnalysisCancelled) settle({ kind: 'cancelled' });
        else if (error instanceof AnalysisInputError)
          settle({ kind: 'input-error', code: error.code, message: error.message });
        else {
          settled = true;
          port.close();
          reject(error as Error);
        }
      }
    };
    // Each chunk is read on a turn of its own (setImmediate), not in the port's message handler: Node
    // hands a port's waiting messages over in one go (up to 1,000), and a large file's chunks, each
    // acknowledged and replaced at once, kept the thread on that one file until its end, every other
    // caller's analysis waiting behind it (a 6 KB file 35 s behind a 50 MB one).
    const waiting: Array<Uint8Array | null> = [];
    const readNext = (): void => {
      const chunk = waiting.shift();
      if (chunk === undefined || settled) return;
      run(() => {
        if (chunk !== null && !analysis.write(chunk)) {
          port.postMessage(chunk.length);
          return null;
        }
        return { kind: 'report', ...analysis.end() };
      });
      if (waiting.length > 0) setImmediate(readNext);
    };
    port.on('message', (chunk: Uint8Array | null) => {
      waiting.push(chunk);
      if (waiting.length === 1) setImmediate(readNext);
    });
    port.on('close', () => settle({ kind: 'cancelled' }));
  });
}
