/**
 * A pool of worker threads that analyse CSV files off the main event loop (count-worker.ts), so that
 * queries and subscriptions keep their latency while a large file is read, parsed, hashed and
 * counted. The main thread only moves the upload's chunks to the worker, a few ahead at most, so a
 * slow worker slows the upload instead of filling memory.
 *
 * It starts on first use (piscina itself is imported then: a gateway nobody asks to analyse never
 * loads it), is sized to the machine (one thread per core, leaving one for the main
 * thread), and stops every thread after `idleTimeoutMs` without work. While it runs it keeps at least
 * one thread: with piscina's `minThreads: 0`, a task queued while another task's worker was being
 * terminated could wait with no thread at all (piscina's `_ensureMinimumWorkers` starts none). And a
 * caller who leaves is cancelled through the task (count-worker.ts), never by terminating a worker.
 * Each thread's heap is capped (`heapLimitMb`): whatever a file holds, a worker cannot take the
 * process's memory with it. Its places go to callers in fair shares (`admit`, analysis-admission.ts).
 */
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { createAnalysisAdmission, type AdmissionOptions } from './analysis-admission.js';
import type { FileTask, TaskOutcome } from './count-worker.js';
import type { FileAnalysisOptions } from './file-analysis.js';

export interface TokenPoolOptions {
  /** Worker threads at most. @default availableParallelism() - 1, at least 1 */
  maxThreads?: number;
  /** Files one thread interleaves (a chunk at a time); more wait in the pool's queue. @default 4 */
  filesPerThread?: number;
  /** With no work for this long, the pool stops its threads (vocabularies and all). @default 30_000 // 30 seconds */
  idleTimeoutMs?: number;
  /** Old-generation heap of each thread, in MiB (ANALYZE_WORKER_HEAP_MB). @default 512 */
  heapLimitMb?: number;
  /** Each caller's share of the pool's places, and the bounded wait for one (analysis-admission.ts). */
  admission?: Omit<AdmissionOptions, 'slots'>;
}

export interface TokenPool {
  /** Analyses one file as `input` streams in; rejects with the signal's reason once the worker has let go. */
  analyze(options: FileAnalysisOptions, input: Readable, signal?: AbortSignal): Promise<TaskOutcome>;
  /**
   * A place in the pool for one caller's analysis (all its files), in fair share with the other callers
   * (analysis-admission.ts); resolves with the function that gives it back. Rejects with
   * `AnalysisRefused` when the caller has its share already, or the pool is too busy to wait for.
   */
  admit(caller: string, signal?: AbortSignal): Promise<() => void>;
  readonly maxThreads: number;
  /** Worker threads alive now (0 before first use and after an idle spell). */
  threads(): number;
  /** Files being analysed or waiting in the pool now. */
  pending(): number;
  close(): Promise<void>;
}

/** Chunks sent ahead of the worker's acknowledgements (64 KiB each from a typical upload stream). */
const WINDOW = 4;

/**
 * Where the worker module is: next to this file, `.js` in a compiled build, `.ts` under tsx or
 * vitest, where a small `.mjs` entry registers tsx in the worker first.
 */
export function workerEntry(moduleUrl: string = import.meta.url): URL {
  const fromSource = new URL(moduleUrl).pathname.endsWith('.ts');
  return new URL(fromSource ? './count-worker-tsx.mjs' : './count-worker.js', moduleUrl);
}

/** Sends `input` to the worker until it ends, fails, or `stop` is called; resolves when done sending. */
function pump(input: Readable, port: MessagePort): { sent: Promise<void>; stop(): void } {
  let inFlight = 0;
  let stopped = false;
  let finish: (error?: unknown) => void = () => {};
  const sent = new Promise<void>((resolve, reject) => {
    finish = (error?: unknown) => {
      if (stopped) return;
      stopped = true;
      input.off('data', onData).off('end', onEnd).off('error', finish);
      port.off('message', onAck);
      input.pause(); // the rest, if any, is drained by whoever owns the request
      if (error === undefined) resolve();
      else reject(error as Error);
    };
  });
  const onData = (chunk: Buffer | string): void => {
    // A buffer of its own (a stream's chunk may share a pooled one), moved to the worker without a copy.
    const copy = new Uint8Array(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    port.postMessage(copy, [copy.buffer]);
    if (++inFlight >= WINDOW) input.pause();
  };
  const onAck = (): void => {
    if (--inFlight < WINDOW && !stopped) input.resume();
  };
  const onEnd = (): void => {
    port.postMessage(null);
    finish();
  };
  port.on('message', onAck);
  input.on('data', onData).once('end', onEnd).once('error', finish);
  return { sent, stop: () => finish() };
}

/** The pool's places, as many as its threads run files at once: admitted analyses never wait in piscina's queue. */
function admissionFor(options: TokenPoolOptions, maxThreads: number): Pick<TokenPool, 'admit'> {
  const slots = maxThreads * (options.filesPerThread ?? 4);
  const admission = createAnalysisAdmission({ ...options.admission, slots });
  return { admit: (caller, signal) => admission.enter(caller, signal) };
}

export function createTokenPool(options: TokenPoolOptions = {}): TokenPool {
  const { maxThreads = Math.max(1, availableParallelism() - 1), idleTimeoutMs = 30_000 } = options;
  let starting: Promise<Piscina> | undefined;
  let pool: Piscina | undefined;
  let closed = false;
  let pending = 0;
  let idle: NodeJS.Timeout | undefined;
  // piscina itself is imported on first use: a gateway nobody asks to analyse never loads it.
  const started = (): Promise<Piscina> =>
    (starting ??= import('piscina').then(({ Piscina }) => {
      pool = new Piscina({
        filename: workerEntry().href,
        minThreads: 1,
        maxThreads,
        idleTimeout: idleTimeoutMs,
        concurrentTasksPerWorker: options.filesPerThread ?? 4,
        // Tasks wait for their chunks on the event loop: no blocking wait between tasks.
        atomics: 'disabled',
        resourceLimits: { maxOldGenerationSizeMb: options.heapLimitMb ?? 512 },
      });
      return pool;
    }));
  const stopWhenIdle = (): void => {
    if (pending > 0 || idle) return;
    idle = setTimeout(() => {
      idle = undefined;
      if (pending > 0 || !starting) return;
      const stopping = starting;
      starting = undefined;
      pool = undefined;
      void stopping.then((p) => p.destroy());
    }, idleTimeoutMs).unref();
  };
  async function analyze(fileOptions: FileAnalysisOptions, input: Readable, signal?: AbortSignal) {
    if (closed) throw new Error('the token pool is closed');
    signal?.throwIfAborted();
    pending++;
    clearTimeout(idle);
    idle = undefined;
    const { port1, port2 } = new MessageChannel();
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const sending = pump(input, port1);
    const onAbort = (): void => {
      Atomics.store(cancel, 0, 1);
      sending.stop();
      port1.close();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const running = await started();
      const task: FileTask = { ...fileOptions, port: port2, cancel };
      const done = running.run(task, { transferList: [port2] }) as Promise<TaskOutcome>;
      // A failed upload (cut at its limit, connection lost) ends the task as a leaving caller would.
      let inputFailure: unknown;
      sending.sent.catch((error: unknown) => {
        inputFailure = error;
        onAbort();
      });
      const outcome = await done;
      if (inputFailure !== undefined) throw inputFailure;
      if (signal?.aborted) throw signal.reason;
      return outcome;
    } finally {
      sending.stop();
      port1.close();
      signal?.removeEventListener('abort', onAbort);
      pending--;
      stopWhenIdle();
    }
  }

  return {
    maxThreads,
    analyze,
    ...admissionFor(options, maxThreads),
    threads: () => pool?.threads.length ?? 0,
    pending: () => pending,
    async close() {
      closed = true;
      clearTimeout(idle);
      await (starting && (await starting).destroy());
    },
  };
}
