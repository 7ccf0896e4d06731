/**
 * The analysis pool's thread takes files in turns, a chunk at a time: a small file analysed while a
 * large one is being read finishes long before it. Found in a trial: every small analysis (any
 * caller's) waited for a 50 MB file to end, because the worker read all of a port's waiting chunks
 * in one go and the large file's were replaced as fast as they were read.
 */
import { Readable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { createTokenPool } from '../../src/preflight/token-pool.js';
import { LLAMA_INSTRUCT } from '../harness/fixtures.js';

const pool = createTokenPool({ maxThreads: 1 });
afterAll(() => pool.close());

const options = (fileName: string) => ({
  baseModelId: LLAMA_INSTRUCT,
  fileName,
  label: 'input.trainingFile',
  promptColumn: 'question',
  answerColumn: 'answer',
  contextLength: 8192,
  cutAtContext: false,
  provider: 'nscale' as const,
  maxBytes: 500_000_000,
  duplicateRows: 2_000_000,
  holdOut: true,
});

/** A CSV of `rows` short rows, made a block at a time as it is read. */
function manyRows(rows: number): Readable {
  return Readable.from(
    (function* () {
      yield Buffer.from('question,answer\n');
      for (let i = 0; i < rows; i += 5_000) {
        let block = '';
        for (let j = i; j < Math.min(rows, i + 5_000); j++) block += `${j},answer ${j}\n`;
        yield Buffer.from(block);
      }
    })(),
  );
}

it('analyses a small file while a large one is being read, on one thread', async () => {
  const controller = new AbortController();
  let largeEnded = false;
  const large = pool
    .analyze(options('large.csv'), manyRows(400_000), controller.signal)
    .catch(() => undefined)
    .finally(() => (largeEnded = true));
  // The large file under way: its first chunks read.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const small = await pool.analyze(
    options('small.csv'),
    Readable.from([Buffer.from('question,answer\nq1,a1\nq2,a2\n')]),
  );
  expect(small).toMatchObject({ kind: 'report', report: { rowsRead: 2 } });
  // Finished while the large file is still being read (before, only after it).
  expect(largeEnded).toBe(false);
  controller.abort();
  await large;
}, 120_000);
