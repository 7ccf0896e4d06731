/**
 * Callers who leave mid-analysis cost the others nothing: 20 analyses aborted while their files
 * stream, then another caller's analysis, answered (it once waited forever: piscina with
 * `minThreads: 0` left a task queued during an abort's worker termination with no thread). And an
 * aborted analysis lets go of its worker when it rejects, instead of counting on after the caller left.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeDataset, type AnalyzeDatasetOptions } from '../../src/preflight/analyze-dataset.js';
import { createTokenPool, type TokenPool } from '../../src/preflight/token-pool.js';

const MISTRAL = 'a7b8c9d0-e1f2-3456-abcd-789012345678';
let pool: TokenPool;
afterEach(() => pool.close());

/** A CSV of `rows` long rows, in 64 KiB chunks; `onChunk` sees each chunk's index as it is read. */
function streamed(rows: number, onChunk: (index: number) => void = () => {}): () => Promise<Readable> {
  return async () =>
    Readable.from(
      (function* () {
        yield Buffer.from('question,answer\n');
        let chunk = '';
        let index = 0;
        for (let i = 0; i < rows; i++) {
          chunk += `q${i} how do I export my data?,${`answer ${i} with some words in it `.repeat(40)}\n`;
          if (chunk.length >= 64 * 1024) {
            onChunk(index++);
            yield Buffer.from(chunk);
            chunk = '';
          }
        }
        yield Buffer.from(chunk);
      })(),
    );
}

function run(open: () => Promise<Readable>, signal?: AbortSignal, via: TokenPool = pool) {
  const options: AnalyzeDatasetOptions = {
    baseModelId: MISTRAL,
    contextLength: 8192,
    training: { fileName: 'train.csv', open },
    validation: null,
    promptColumn: 'question',
    answerColumn: 'answer',
    nEpochs: 1,
    nEvals: 0,
    maxBytes: 64 * 1024 * 1024,
    pool: via,
    ...(signal ? { signal } : {}),
  };
  return analyzeDataset(options);
}

/** The pool as one caller sees it: `onCall` runs (on the next turn) after each call it makes. */
function watched(target: TokenPool, onCall: () => void): TokenPool {
  return new Proxy(target, {
    get(pool, key: keyof TokenPool) {
      const value = pool[key];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(pool, args);
        setImmediate(onCall);
        return result;
      };
    },
  });
}

/** Rows enough for a few chunks and batches, then a file that never ends (a caller's upload still coming). */
function neverEnding(): () => Promise<Readable> {
  return async () =>
    Readable.from(
      (async function* () {
        yield* (await streamed(600)())[Symbol.asyncIterator]();
        await new Promise(() => {});
      })(),
    );
}

describe('abandoned analyses', () => {
  it('20 aborted analyses, then another caller’s analysis is answered', { timeout: 60_000 }, async () => {
    pool = createTokenPool({ maxThreads: 1 });
    await run(streamed(5)); // a worker up, so that the aborted analyses' work is running when they leave
    const controllers = Array.from({ length: 20 }, () => new AbortController());
    let innocent: Promise<unknown> | undefined;
    const started = new Set<number>();
    // The other caller's work is queued behind the 20; they leave once it is.
    const innocentPool = watched(pool, () => controllers.forEach((c) => c.abort(new Error('client went away'))));
    const aborted = controllers.map((controller, i) =>
      run(
        neverEnding(),
        controller.signal,
        watched(pool, () => {
          started.add(i);
          if (started.size === controllers.length) innocent ??= run(streamed(50), undefined, innocentPool);
        }),
      ),
    );
    const outcomes = await Promise.allSettled(aborted);
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(innocent).toBeDefined();
    const report = (await innocent) as Awaited<ReturnType<typeof run>>;
    expect(report.training).toMatchObject({ rowsRead: 50, usableRows: 50, problemCount: 0 });
  });

  it('an aborted analysis lets go of its worker when it rejects', { timeout: 60_000 }, async () => {
    pool = createTokenPool({ maxThreads: 1 });
    const controller = new AbortController();
    const running = run(
      streamed(20_000, (index) => index === 8 && controller.abort(new Error('client went away'))),
      controller.signal,
    );
    await expect(running).rejects.toThrow('client went away');
    // Nothing of it is left running or queued in the pool.
    expect(pool.pending()).toBe(0);
    // And the worker is there for the next caller, vocabulary loaded.
    expect((await run(streamed(10))).training.rowsRead).toBe(10);
  });
});
