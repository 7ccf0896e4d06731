/**
 * The analysis on crafted CSVs, through the real worker pool (one thread: its workers run the
 * TypeScript source through the tsx entry, which is what this file checks too).
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplateFor } from '../../src/contract/chat-templates.js';
import { countRowTokens } from '../../src/contract/row-tokens.js';
import { loadTokenCounter, type TokenCounter } from '../../src/contract/tokenizers.js';
import { analyzeDataset, type AnalyzeDatasetOptions } from '../../src/preflight/analyze-dataset.js';
import { AnalysisInputError } from '../../src/preflight/input-error.js';
import { createTokenPool, workerEntry, type TokenPool } from '../../src/preflight/token-pool.js';

const MISTRAL = 'a7b8c9d0-e1f2-3456-abcd-789012345678';
let pool: TokenPool;
let mistral: TokenCounter;
beforeAll(async () => {
  pool = createTokenPool({ maxThreads: 1 });
  mistral = await loadTokenCounter('mistral');
});
afterAll(() => pool.close());

const file = (content: string | Buffer, fileName = 'train.csv') => ({
  fileName,
  open: async () => Readable.from([typeof content === 'string' ? Buffer.from(content) : content]),
});
const tokens = (prompt: string, answer: string): number =>
  countRowTokens(mistral, chatTemplateFor(MISTRAL)!, prompt, answer).total;

function run(training: string | Buffer, more: Partial<AnalyzeDatasetOptions> = {}) {
  return analyzeDataset({
    baseModelId: MISTRAL,
    contextLength: 8192,
    training: file(training),
    validation: null,
    promptColumn: 'question',
    answerColumn: 'answer',
    nEpochs: 1,
    nEvals: 0,
    maxBytes: 1024 * 1024,
    pool,
    ...more,
  });
}

describe('analyzeDataset', () => {
  it('resolves the worker entry by the running file: .mjs bootstrap from source, .js when compiled', () => {
    expect(workerEntry('file:///app/src/preflight/token-pool.ts').pathname).toBe(
      '/app/src/preflight/count-worker-tsx.mjs',
    );
    expect(workerEntry('file:///app/dist/preflight/token-pool.js').pathname).toBe(
      '/app/dist/preflight/count-worker.js',
    );
  });

  it('reads a BOM, CRLF line ends and a quoted newline, and counts each row by the contract rule', async () => {
    const csv =
      '\uFEFFquestion,answer\r\nHow do I log in?,"Use your email.\r\nThen your password."\r\n¿Dónde está mi pedido?,En camino 🚚\r\n';
    const report = await run(csv);
    expect(report.training).toMatchObject({ rowsRead: 2, usableRows: 2, problemCount: 0, duplicateCount: 0 });
    const expected = [
      tokens('How do I log in?', 'Use your email.\r\nThen your password.'),
      tokens('¿Dónde está mi pedido?', 'En camino 🚚'),
    ];
    expect(report.training.tokens.total).toBe(expected[0]! + expected[1]!);
    expect(report.training.tokens.template).toBe(2 * 9);
    // Two rows: one held out (1%, at least one), the last.
    expect(report.split).toEqual({
      source: 'HOLD_OUT',
      trainingRows: 1,
      validationRows: 1,
      heldOutRows: 1,
      trainingTokens: expected[0],
      validationTokens: expected[1],
    });
    expect(report.cost).toMatchObject({ cost: 2, minimumApplied: true, pricePerMillionTokens: 0.45 });
    const [priced, charged] = report.cost.explanation.split(', below ');
    expect(priced).toMatch(
      new RegExp(
        `^1 epoch × ${expected[0]} training tokens \\+ 0 evaluations × ${expected[1]} validation tokens = ` +
          `${expected[0]} tokens × \\$0\\.45 per million tokens = \\$0\\.0+[1-9]\\d$`,
      ),
    );
    // The price before the minimum, below a cent, to two significant digits (not "$0.00": dashboard trial).
    const raw = (expected[0]! * 0.45) / 1e6;
    expect(Math.abs(Number(priced!.split('= $').at(-1)) - raw)).toBeLessThanOrEqual(raw * 0.05);
    expect(charged).toBe('the $2.00 minimum per job: $2.00');
  });

  it('lists empty answers, missing columns, extra fields and duplicates with their row numbers', async () => {
    const csv = ['question,answer,topic', 'a?,yes,x', 'b?,,x', 'c?', 'a?,yes,x', 'd?,no,x,extra', '  a? , yes ,y'].join(
      '\n',
    );
    const report = await run(csv);
    expect(report.training.rowsRead).toBe(6);
    expect(report.training.usableRows).toBe(3);
    expect(report.training.problems.map((p) => [p.kind, p.row, p.line])).toEqual([
      ['EMPTY_ANSWER', 2, 3],
      ['MISSING_COLUMN', 3, 4],
      ['EXTRA_FIELDS', 5, 6],
    ]);
    expect(report.training.problems[1]!.message).toBe(
      'row 3 (line 4): has 1 of 3 fields: no value for "answer", "topic"; the upload refuses the whole file ' +
        'when a row has more or fewer fields than the header names',
    );
    // Row 6 differs only by spaces around the cells, which the row rule trims.
    expect(report.training.duplicates).toEqual([
      { row: 4, duplicateOf: 1 },
      { row: 6, duplicateOf: 1 },
    ]);
  });

  it('counts rows over the context length and lists the first, with a histogram and the largest rows', async () => {
    const long = 'word '.repeat(9000);
    const csv = `question,answer\nshort?,ok\nlong?,${long}\nlong too?,${long}\n`;
    const report = await run(csv);
    expect(report.training.overContextCount).toBe(2);
    expect(report.training.overContext.map((r) => r.row)).toEqual([2, 3]);
    expect(report.training.overContext[0]!.tokens).toBe(tokens('long?', long));
    // Row 3's prompt is one token longer.
    expect(report.training.largestRows.map((r) => r.row)).toEqual([3, 2, 1]);
    expect(report.training.histogram.at(-1)).toEqual({ fromTokens: 8193, toTokens: null, rows: 2 });
    expect(report.training.histogram.reduce((n, b) => n + b.rows, 0)).toBe(3);
  });

  it('uses a validation file when there is one, and prices n_evals × its tokens', async () => {
    const report = await run('question,answer\na?,yes\nb?,no\n', {
      validation: file('question,answer\nc?,maybe\n', 'val.csv'),
      nEpochs: 3,
      nEvals: 2,
    });
    const train = tokens('a?', 'yes') + tokens('b?', 'no');
    const val = tokens('c?', 'maybe');
    expect(report.split).toMatchObject({
      source: 'VALIDATION_FILE',
      trainingRows: 2,
      validationRows: 1,
      heldOutRows: 0,
      trainingTokens: train,
      validationTokens: val,
    });
    expect(report.cost.tokens).toBe(3 * train + 2 * val);
  });

  it('stops at broken quoting with a report entry naming the row and line', async () => {
    const report = await run('question,answer\na?,yes\nb?,"unclosed\nc?,no\n');
    expect(report.training.stoppedAt).toMatchObject({ kind: 'UNPARSABLE', row: 2 });
    expect(report.training.stoppedAt!.message).toMatch(/^row 2 \(line \d+\): Quote Not Closed/);
    expect(report.training.usableRows).toBe(1);
  });

  it.each([
    ['a 0-byte file', '', 'EMPTY', 'input.trainingFile: the file is empty'],
    [
      'binary data',
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]),
      'BINARY',
      'input.trainingFile: not a CSV file: it holds binary data (NUL bytes)',
    ],
    [
      'text that is not UTF-8',
      Buffer.from([0x71, 0x2c, 0x61, 0x0a, 0xff, 0xfe, 0x2c, 0x61]),
      'NOT_UTF8',
      'input.trainingFile: not a CSV file: it is not UTF-8 text',
    ],
    [
      'a header only',
      'question,answer\n',
      'NO_DATA_ROWS',
      'input.trainingFile: the CSV has a header row but no data rows',
    ],
    [
      'no such column',
      'prompt,completion\na,b\n',
      'NO_SUCH_COLUMN',
      'input.trainingFile: no answer column "answer"; the header row names "prompt", "completion"',
    ],
    [
      // A right-to-left override reorders what follows it on screen: the refusal shows what was sent.
      'no such column, the header holding characters that do not show',
      'prompt,\u202Eanswer,\u200Banswer\na,b,c\n',
      'NO_SUCH_COLUMN',
      'input.trainingFile: no answer column "answer"; the header row names "prompt", "\\u202Eanswer", "\\u200Banswer"',
    ],
  ])('refuses %s with a coded error', async (_name, content, code, message) => {
    const error = await run(content).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalysisInputError);
    expect(error).toMatchObject({ code, message });
  });

  it('refuses an unknown model and a file over the limit, stating the limit', async () => {
    await expect(run('question,answer\na,b\n', { baseModelId: 'nope' })).rejects.toMatchObject({
      code: 'UNKNOWN_MODEL',
      message: 'input.baseModelId: no tokenizer is known for "nope"',
    });
    await expect(run(`question,answer\n${'a,b\n'.repeat(400)}`, { maxBytes: 1000 })).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: 'input.trainingFile: larger than the analysis limit of 1000 bytes (ANALYZE_MAX_BYTES)',
    });
  });

  it('an aborted request cancels its work', async () => {
    const controller = new AbortController();
    const rows = Array.from({ length: 3000 }, (_, i) => `q${i}?,answer number ${i}`).join('\n');
    const running = run(`question,answer\n${rows}\n`, { signal: controller.signal });
    controller.abort(new Error('client went away'));
    await expect(running).rejects.toThrow();
  });
});
