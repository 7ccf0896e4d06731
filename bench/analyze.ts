/**
 * Pre-flight analysis benchmark. Two figures, each from one run:
 *  1. Throughput (MB/s, tokens/s) of `analyzeDataset` with a one-thread pool against the tokenizer
 *     package called directly, on the main thread, on the same rows in the same run: the gateway's
 *     overhead (CSV parsing, batching, worker messages, checks) is the difference. Goal: under 20 %.
 *  2. Event-loop delay on the main thread (what a concurrent query waits) while a larger file is
 *     analysed with the pool sized to the machine. Goal: p99 under 50 ms.
 * Under `taskset` when it is installed (the process re-executes itself pinned to CPUs 0-1).
 *
 *   npm run bench:analyze -- [throughputMB=5] [eventLoopMB=100] [family=llama3|mistral|qwen2]
 *
 * `npm run bench:analyze -- shapes [tinyMB=20]` measures instead the files that once exhausted memory
 * (issue 17): a 5 MiB single cell, a 150 MB single row, and tiny rows (`a,b`), each analysed by one
 * worker capped at 256 MiB of heap, with the process's peak RSS growth, the event-loop delay (what a
 * trivial query waits) and the time, and the machine's load average beside them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { chatTemplateFor } from '../src/contract/chat-templates.js';
import { countRowTokens } from '../src/contract/row-tokens.js';
import { loadTokenCounter, type TokenizerFamily } from '../src/contract/tokenizers.js';
import { analyzeDataset } from '../src/preflight/analyze-dataset.js';
import { createTokenPool } from '../src/preflight/token-pool.js';

const MODEL: Record<TokenizerFamily, string> = {
  llama3: 'e5f6a7b8-c9d0-1234-efab-567890123456',
  mistral: 'a7b8c9d0-e1f2-3456-abcd-789012345678',
  qwen2: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  gemma3: 'google/gemma-3-4b-it',
};

function pinned(): boolean {
  if (process.env.BENCH_PINNED) return true;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
  } catch {
    return false;
  }
  const run = spawnSync('taskset', ['-c', '0-1', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1' },
  });
  process.exit(run.status ?? 1);
}

const WORDS =
  'the a customer account billing invoice password reset team project export settings security plan refund upload limit region data support email app'.split(
    ' ',
  );
/** Rows of realistic length (a 10–25 word question, a 20–80 word answer), deterministic. */
function* rows(bytes: number): Generator<[string, string, string]> {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const text = (min: number, max: number) =>
    Array.from({ length: min + Math.floor(rand() * (max - min)) }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(
      ' ',
    );
  let produced = 0;
  for (let i = 0; produced < bytes; i++) {
    const q = `${text(10, 25)}?`;
    const a = `${text(20, 80)}.`;
    const line = `"${q}","${a}"\n`;
    produced += Buffer.byteLength(line);
    yield [q, a, line];
  }
}

function csv(bytes: number): () => Promise<Readable> {
  return async () =>
    Readable.from(
      (function* () {
        yield 'question,answer\n';
        let chunk = '';
        for (const [, , line] of rows(bytes)) {
          chunk += line;
          if (chunk.length > 64 * 1024) {
            yield chunk;
            chunk = '';
          }
        }
        yield chunk;
      })(),
    );
}

const analyze = (family: TokenizerFamily, bytes: number, pool: ReturnType<typeof createTokenPool>) =>
  analyzeDataset({
    baseModelId: MODEL[family],
    contextLength: 8192,
    training: { fileName: 'bench.csv', open: csv(bytes) },
    validation: null,
    promptColumn: 'question',
    answerColumn: 'answer',
    nEpochs: 1,
    nEvals: 0,
    maxBytes: 1024 ** 3,
    pool,
  });

async function main(): Promise<void> {
  const isPinned = pinned();
  const [throughputMB = 5, eventLoopMB = 100] = process.argv.slice(2, 4).map(Number);
  const family = (process.argv[4] ?? 'llama3') as TokenizerFamily;
  const bytes = throughputMB * 1024 * 1024;
  const template = chatTemplateFor(MODEL[family])!;

  // 1. Direct: the package on the main thread, same rows (vocabulary loaded before timing).
  const counter = await loadTokenCounter(family);
  let t = performance.now();
  let directTokens = 0;
  for (const [q, a] of rows(bytes)) directTokens += countRowTokens(counter, template, q, a).total;
  const directS = (performance.now() - t) / 1000;

  // Through the analysis, one worker thread (warmed: its vocabulary loaded by a small first run).
  const one = createTokenPool({ maxThreads: 1, idleTimeoutMs: 600_000 });
  await analyze(family, 64 * 1024, one);
  t = performance.now();
  const report = await analyze(family, bytes, one);
  const analysisS = (performance.now() - t) / 1000;
  await one.close();
  if (report.training.tokens.total !== directTokens)
    throw new Error(`token totals differ: ${report.training.tokens.total} vs ${directTokens}`);

  // 2. Event-loop delay while a larger file is analysed by the pool sized to the machine.
  const pool = createTokenPool({ idleTimeoutMs: 600_000 });
  await analyze(family, 64 * 1024, pool);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  t = performance.now();
  const big = await analyze(family, eventLoopMB * 1024 * 1024, pool);
  const bigS = (performance.now() - t) / 1000;
  delay.disable();
  await pool.close();

  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  const overhead = ((analysisS - directS) / directS) * 100;
  const lines = [
    '',
    `## Pre-flight analysis (${new Date().toISOString().slice(0, 10)}, ${family}, Node ${process.version}, ${availableParallelism()} CPUs${isPinned ? ', taskset -c 0-1' : ''})`,
    '',
    `\`npm run bench:analyze -- ${throughputMB} ${eventLoopMB} ${family}\`; synthetic English Q/A rows of 10–25 and 20–80 words.`,
    '',
    '| measure | direct (package, main thread) | analyzeDataset (1 worker) |',
    '|---|---|---|',
    `| ${throughputMB} MiB, ${directTokens.toLocaleString('en-US')} tokens | ${directS.toFixed(2)} s | ${analysisS.toFixed(2)} s |`,
    `| MB/s | ${(throughputMB / directS).toFixed(2)} | ${(throughputMB / analysisS).toFixed(2)} |`,
    `| tokens/s | ${Math.round(directTokens / directS).toLocaleString('en-US')} | ${Math.round(directTokens / analysisS).toLocaleString('en-US')} |`,
    '',
    `Overhead of the analysis over the bare tokenizer: ${overhead.toFixed(1)} % (goal < 20 %).`,
    `Event-loop delay while ${eventLoopMB} MiB (${big.training.rowsRead.toLocaleString('en-US')} rows) were analysed in ${bigS.toFixed(1)} s by ${createTokenPool().maxThreads} worker(s): p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, max ${ms(delay.max)} ms (goal p99 < 50 ms).`,
  ];
  console.log(lines.join('\n'));
  appendFileSync(new URL('./RESULTS.md', import.meta.url), `${lines.join('\n')}\n`);
}

/** `question,answer`, then one row whose answer is `cellBytes` of letters with no space. */
function* longCell(cellBytes: number): Generator<Buffer> {
  yield Buffer.from('question,answer\nhow long is this?,');
  const letters = Buffer.alloc(64 * 1024);
  let seed = 7;
  for (let left = cellBytes; left > 0; left -= letters.length) {
    for (let i = 0; i < letters.length; i++) letters[i] = 97 + ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 26);
    yield left >= letters.length ? letters : letters.subarray(0, left);
  }
  yield Buffer.from('\nshort?,yes\n');
}

/** Distinct tiny rows (`q123,a123`), `bytes` of them. */
function* tinyRows(bytes: number): Generator<Buffer> {
  yield Buffer.from('question,answer\n');
  let chunk = '';
  for (let i = 0, produced = 0; produced < bytes; i++) {
    const line = `q${i},a${i}\n`;
    produced += line.length;
    chunk += line;
    if (chunk.length >= 64 * 1024) {
      yield Buffer.from(chunk);
      chunk = '';
    }
  }
  yield Buffer.from(chunk);
}

async function shapes(tinyMB: number): Promise<void> {
  pinned();
  const pool = createTokenPool({ maxThreads: 1, heapLimitMb: 256, idleTimeoutMs: 600_000 });
  await analyze('llama3', 64 * 1024, pool);
  const cases: [string, () => Generator<Buffer>][] = [
    ['5 MiB single cell', () => longCell(5 * 1024 * 1024)],
    ['150 MB single row', () => longCell(150_000_000)],
    [`${tinyMB} MiB of tiny rows`, () => tinyRows(tinyMB * 1024 * 1024)],
  ];
  const lines = [
    '',
    `## Pre-flight analysis by file shape (${new Date().toISOString().slice(0, 10)}, llama3, Node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(1)} at start)`,
    '',
    `\`npm run bench:analyze -- shapes ${tinyMB}\`: one worker thread capped at 256 MiB of heap (\`ANALYZE_WORKER_HEAP_MB\`), context 8,192.`,
    '',
    '| file | time | rows | estimated rows | process RSS growth (peak) | event-loop delay p99 / max | load average after |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [name, make] of cases) {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampling = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const t = performance.now();
    const report = await analyzeDataset({
      baseModelId: MODEL.llama3,
      contextLength: 8192,
      training: { fileName: 'shape.csv', open: async () => Readable.from(make()) },
      validation: null,
      promptColumn: 'question',
      answerColumn: 'answer',
      nEpochs: 1,
      nEvals: 0,
      maxBytes: 1024 ** 3,
      pool,
    });
    const seconds = (performance.now() - t) / 1000;
    delay.disable();
    clearInterval(sampling);
    const ms = (ns: number) => (ns / 1e6).toFixed(0);
    lines.push(
      `| ${name} | ${seconds.toFixed(1)} s | ${report.training.rowsRead.toLocaleString('en-US')} | ${report.training.estimatedRows} | ${((peak - before) / 1024 / 1024).toFixed(0)} MiB | ${ms(delay.percentile(99))} / ${ms(delay.max)} ms | ${loadavg()[0]!.toFixed(1)} |`,
    );
    console.log(lines.at(-1));
  }
  await pool.close();
  console.log(lines.join('\n'));
  appendFileSync(new URL('./RESULTS.md', import.meta.url), `${lines.join('\n')}\n`);
}

if (process.argv[2] === 'shapes') await shapes(Number(process.argv[3] ?? 20));
else await main();
