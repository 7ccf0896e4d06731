/**
 * A pool of worker threads that count tokens off the main event loop, so that queries and
 * subscriptions are not stalled while a large file is analysed. It starts on first use, is sized to
 * the machine (one thread per core, leaving one for the main thread), and shrinks to no thread after
 * `idleTimeoutMs` without work. An aborted signal cancels a batch (its worker is replaced).
 */
import { availableParallelism } from 'node:os';
import type { Piscina } from 'piscina';
import type { CountTask } from './count-worker.js';

export interface TokenPoolOptions {
  /** Worker threads at most. @default availableParallelism() - 1, at least 1 */
  maxThreads?: number;
  /** A worker with no work for this long exits (vocabulary and all). @default 30_000 // 30 seconds */
  idleTimeoutMs?: number;
}

export interface TokenPool {
  /** Prompt, answer and template tokens per row (three numbers per row), counted in a worker. */
  count(task: CountTask, signal?: AbortSignal): Promise<Uint32Array>;
  /** Threads the pool may run: callers keep about twice as many batches in flight. */
  readonly maxThreads: number;
  /** Worker threads alive now (0 before first use and after an idle spell). */
  threads(): number;
  close(): Promise<void>;
}

/**
 * Where the worker module is: next to this file, `.js` in a compiled build, `.ts` under tsx or
 * vitest, where a small `.mjs` entry registers tsx in the worker first.
 */
export function workerEntry(moduleUrl: string = import.meta.url): URL {
  const fromSource = new URL(moduleUrl).pathname.endsWith('.ts');
  return new URL(fromSource ? './count-worker-tsx.mjs' : './count-worker.js', moduleUrl);
}

export function createTokenPool(options: TokenPoolOptions = {}): TokenPool {
  const maxThreads = options.maxThreads ?? Math.max(1, availableParallelism() - 1);
  let pool: Piscina | undefined;
  let starting: Promise<Piscina> | undefined;
  let closed = false;
  // piscina itself is imported on first use too: a gateway nobody asks to analyse never loads it.
  const started = (): Promise<Piscina> =>
    (starting ??= import('piscina').then(({ Piscina }) => {
      pool = new Piscina({
        filename: workerEntry().href,
        minThreads: 0,
        maxThreads,
        idleTimeout: options.idleTimeoutMs ?? 30_000,
        // Counting is CPU-bound: one batch per thread at a time.
        concurrentTasksPerWorker: 1,
      });
      return pool;
    }));
  return {
    maxThreads,
    count(task, signal) {
      if (closed) return Promise.reject(new Error('the token pool is closed'));
      return started().then((running) => {
        if (closed) throw new Error('the token pool is closed');
        return running.run(task, signal === undefined ? {} : { signal }) as Promise<Uint32Array>;
      });
    },
    threads: () => pool?.threads.length ?? 0,
    async close() {
      closed = true;
      await (starting && (await starting).destroy());
    },
  };
}
