/**
 * Who gets the analysis pool's places (token-pool.ts), and in which order: each caller's fair share.
 * The pool has a few places (`slots`: threads × files per thread); an `analyzeDataset` takes one for
 * its whole run (its files one after the other) and gives it back when done.
 *
 * Without a share, one caller's four 20 MB files of one repeated character held every place of a
 * 2-core gateway for five minutes, and every other tenant's 6 KB file waited behind them in the pool's
 * FIFO queue, until the request deadline cut them all. So:
 *
 * - a caller has at most `perCaller` analyses running or waiting; one more is refused at once
 *   (`caller`), never queued: a caller cannot fill the queue;
 * - at most `maxWaiting` analyses wait, all callers together; past it an analysis is refused at once
 *   (`busy`);
 * - a waiting analysis waits at most `maxWaitMs`, then is refused (`wait`), in the gateway's words:
 *   the wait was the gateway's, not the caller's;
 * - a place that frees goes to the waiting caller with the fewest analyses running (the earliest
 *   among equals), not to the first in line: a caller with one running passes before a caller's
 *   second.
 *
 * It knows nothing of GraphQL: a refusal is an `AnalysisRefused`, which the resolver turns into
 * RATE_LIMITED with its retry advice.
 */

export type RefusalReason = 'caller' | 'busy' | 'wait';

export interface AdmissionOptions {
  /** Analyses running at once in the pool (its threads × files per thread). */
  slots: number;
  /** Analyses one caller may have running or waiting (ANALYZE_MAX_PER_CALLER). @default 2 */
  perCaller?: number;
  /** Analyses waiting for a place, all callers together. @default slots * 2 */
  maxWaiting?: number;
  /** Longest an analysis waits for a place (ANALYZE_QUEUE_WAIT_SECONDS). @default 30_000 // 30 seconds */
  maxWaitMs?: number;
  /** Told of each refusal (a metric). @default none */
  onRefused?: (reason: RefusalReason) => void;
}

export interface AnalysisAdmission {
  /**
   * Waits for a place for `caller`'s analysis; resolves with the function that gives it back (call it
   * once, when the analysis is over). Rejects with `AnalysisRefused`, or with the signal's reason
   * when the caller leaves while waiting.
   */
  enter(caller: string, signal?: AbortSignal): Promise<() => void>;
  /** Analyses running now, and waiting now. */
  running(): number;
  waiting(): number;
}

/** Why an analysis was refused a place; `message` states the rule and the setting. */
export class AnalysisRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    /** When a retry may succeed, in seconds. */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

interface Waiter {
  caller: string;
  admit(): void;
}

class Admission implements AnalysisAdmission {
  /** Each caller's analyses running and waiting; a caller with none has no entry. */
  private readonly held = new Map<string, { running: number; waiting: number }>();
  private readonly queue: Waiter[] = [];
  private active = 0;
  private readonly perCaller: number;
  private readonly maxWaiting: number;
  private readonly maxWaitMs: number;
  private readonly retry: number;

  constructor(private readonly options: AdmissionOptions) {
    this.perCaller = options.perCaller ?? 2;
    this.maxWaiting = options.maxWaiting ?? options.slots * 2;
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
    this.retry = Math.max(1, Math.ceil(this.maxWaitMs / 1000));
  }

  running(): number {
    return this.active;
  }

  waiting(): number {
    return this.queue.length;
  }

  enter(caller: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    const entry = this.held.get(caller) ?? { running: 0, waiting: 0 };
    if (entry.running + entry.waiting >= this.perCaller)
      throw this.refuse(
        'caller',
        `This caller already has ${this.perCaller} dataset analyses running or waiting on this gateway ` +
          '(ANALYZE_MAX_PER_CALLER); retry once one of them has ended.',
        1,
      );
    if (this.active < this.options.slots && this.queue.length === 0) {
      this.held.set(caller, entry);
      return Promise.resolve(this.start(caller));
    }
    if (this.queue.length >= this.maxWaiting)
      throw this.refuse(
        'busy',
        `The gateway's dataset analysis is busy: ${this.active} analyses running and ${this.queue.length} ` +
          `waiting, the most it holds; retry in ${this.retry} s.`,
        this.retry,
      );
    this.held.set(caller, entry);
    entry.waiting++;
    return this.wait(caller, entry, signal);
  }

  private wait(caller: string, entry: { waiting: number }, signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const unqueue = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const at = this.queue.indexOf(waiter);
        if (at !== -1) this.queue.splice(at, 1);
        entry.waiting--;
      };
      const leave = (error: unknown): void => {
        unqueue();
        this.forget(caller);
        reject(error as Error);
      };
      const waiter: Waiter = {
        caller,
        admit: () => {
          unqueue();
          resolve(this.start(caller));
        },
      };
      const onAbort = (): void => leave(signal!.reason);
      const seconds = this.maxWaitMs / 1000;
      const timer = setTimeout(() => {
        const message =
          `The gateway's dataset analysis stayed busy with other analyses for ${seconds} s (ANALYZE_QUEUE_WAIT_SECONDS) ` +
          `and did not start this one: the wait was the gateway's, not the upload's. Retry in ${this.retry} s.`;
        leave(this.refuse('wait', message, this.retry));
      }, this.maxWaitMs);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private refuse(reason: RefusalReason, message: string, retryAfterSeconds: number): AnalysisRefused {
    this.options.onRefused?.(reason);
    return new AnalysisRefused(reason, message, retryAfterSeconds);
  }

  private forget(caller: string): void {
    const entry = this.held.get(caller);
    if (entry && entry.running === 0 && entry.waiting === 0) this.held.delete(caller);
  }

  private start(caller: string): () => void {
    this.active++;
    this.held.get(caller)!.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.held.get(caller)!.running--;
      this.forget(caller);
      this.next();
    };
  }

  /** The waiting caller with the fewest analyses running, the earliest among equals, takes a free place. */
  private next(): void {
    while (this.active < this.options.slots && this.queue.length > 0) {
      const runningOf = (w: Waiter) => this.held.get(w.caller)!.running;
      let best = 0;
      for (let i = 1; i < this.queue.length; i++)
        if (runningOf(this.queue[i]!) < runningOf(this.queue[best]!)) best = i;
      this.queue.splice(best, 1)[0]!.admit();
    }
  }
}

export function createAnalysisAdmission(options: AdmissionOptions): AnalysisAdmission {
  return new Admission(options);
}
