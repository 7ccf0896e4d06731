/**
 * An analysis's memory is bounded whatever the file's shape, and the main thread stays free for other
 * callers. A 5 MiB single cell (once a tokenizer stack overflow) and a 150 MB single row (once 3.65 GB)
 * are analysed by a worker whose heap is capped at 256 MiB (past it the worker would die and the
 * analysis fail), the process growing by far less than the file; the report says which figures are
 * estimated. Loose bounds: the precise figures are in bench/RESULTS.md (`npm run bench:analyze`).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeDataset, type AnalyzeDatasetOptions } from '../../src/preflight/analyze-dataset.js';
import { createTokenPool, type TokenPool } from '../../src/preflight/token-pool.js';

const LLAMA3 = 'e5f6a7b8-c9d0-1234-efab-567890123456';
const MiB = 1024 * 1024;
let pool: TokenPool;
beforeAll(() => {
  pool = createTokenPool({ maxThreads: 1, heapLimitMb: 256 });
});
afterAll(() => pool.close());

/** `question,answer`, then rows whose answers are `cellBytes` of letters with no space, streamed in 64 KiB chunks. */
function oneLongCell(cellBytes: number, rows = 1): () => Promise<Readable> {
  return async () =>
    Readable.from(
      (function* () {
        let seed = 7;
        const letters = Buffer.alloc(64 * 1024);
        for (let r = 0; r < rows; r++) {
          yield Buffer.from(r === 0 ? `question,answer\nhow long is this?,` : `\nand this?,`);
          for (let left = cellBytes; left > 0; left -= letters.length) {
            for (let i = 0; i < letters.length; i++) {
              seed = (seed * 1103515245 + 12345) & 0x7fffffff;
              letters[i] = 97 + (seed % 26);
            }
            yield left >= letters.length ? letters : letters.subarray(0, left);
          }
        }
        yield Buffer.from('\nshort?,yes\n');
      })(),
    );
}

async function measured(open: () => Promise<Readable>, more: Partial<AnalyzeDatasetOptions> = {}) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampling = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  delay.enable();
  try {
    const report = await analyzeDataset({
      baseModelId: LLAMA3,
      contextLength: 8192,
      training: { fileName: 'long.csv', open },
      validation: null,
      promptColumn: 'question',
      answerColumn: 'answer',
      nEpochs: 1,
      nEvals: 0,
      maxBytes: 200 * MiB,
      pool,
      ...more,
    });
    return { report, growthMiB: (rssPeak - rssBefore) / MiB, maxDelayMs: delay.max / 1e6 };
  } finally {
    delay.disable();
    clearInterval(sampling);
  }
}

describe('analysis memory, whatever the file’s shape', () => {
  it(
    'a 5 MiB single cell: over the context, estimated and said so, in bounded memory',
    { timeout: 60_000 },
    async () => {
      const { report, growthMiB, maxDelayMs } = await measured(oneLongCell(5 * MiB));
      expect(report.training).toMatchObject({ rowsRead: 2, usableRows: 2, overContextCount: 1, estimatedRows: 1 });
      expect(report.training.overContext[0]!.row).toBe(1);
      // Random letters come to well over a token per 5 characters.
      expect(report.training.overContext[0]!.tokens).toBeGreaterThan(MiB);
      expect(report.training.approximations).toEqual([expect.stringMatching(/^1 row\(s\) too long to count whole/)]);
      expect(growthMiB).toBeLessThan(400);
      expect(maxDelayMs).toBeLessThan(2000);
    },
  );

  it('a 150 MB single row through a worker capped at 256 MiB of heap', { timeout: 120_000 }, async () => {
    const { report, growthMiB, maxDelayMs } = await measured(oneLongCell(150_000_000));
    expect(report.training).toMatchObject({ rowsRead: 2, overContextCount: 1, estimatedRows: 1 });
    expect(report.training.bytes).toBeGreaterThan(150_000_000);
    expect(growthMiB).toBeLessThan(400);
    expect(maxDelayMs).toBeLessThan(2000);
  });

  it('duplicates past ANALYZE_DUPLICATE_ROWS: earlier rows still found, the report says it is partial', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `q${i}?,a${i}`);
    const csv = `question,answer\n${[...rows, ...rows.slice(0, 5)].join('\n')}\n`;
    const { report } = await measured(async () => Readable.from([Buffer.from(csv)]), { duplicateRows: 100 });
    expect(report.training.duplicateCount).toBe(5);
    expect(report.training.duplicates[0]).toEqual({ row: 301, duplicateOf: 1 });
    expect(report.training.approximations).toEqual([
      'duplicates: the first 100 distinct rows were remembered (ANALYZE_DUPLICATE_ROWS); later rows were checked against those only',
    ]);
  });
});
