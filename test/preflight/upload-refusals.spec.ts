/**
 * The pre-flight predicts the provider's upload (src/preflight/file-analysis.ts, `provider`):
 *
 * - Nscale: the header rule the simulator refuses a file by (a blank or repeated name, a first row
 *   of numbers: src/contract/csv-header.ts, which both apply) refuses it here in the same words; a row
 *   of the wrong width, or a line of spaces, is a problem that says the upload refuses the file.
 * - Together: cells are counted as the CSV→JSONL conversion sends them, untrimmed (regression: padded
 *   cells were counted trimmed, so the pre-flight said ~3,000 tokens where Together saw ~3,750), and
 *   the Nscale header rule does not apply (the conversion reads two columns by name).
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplateFor } from '../../src/contract/chat-templates.js';
import { loadTokenCounter, type TokenCounter } from '../../src/contract/tokenizers.js';
import { analyzeDataset, type AnalyzeDatasetOptions } from '../../src/preflight/analyze-dataset.js';
import { createTokenPool, type TokenPool } from '../../src/preflight/token-pool.js';

const MISTRAL = 'a7b8c9d0-e1f2-3456-abcd-789012345678';
let pool: TokenPool;
let mistral: TokenCounter;
beforeAll(async () => {
  pool = createTokenPool({ maxThreads: 1 });
  mistral = await loadTokenCounter('mistral');
});
afterAll(() => pool.close());

function run(training: string, more: Partial<AnalyzeDatasetOptions> = {}) {
  return analyzeDataset({
    baseModelId: MISTRAL,
    contextLength: 8192,
    training: { fileName: 'train.csv', open: async () => Readable.from([Buffer.from(training)]) },
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

const TEMPLATE = chatTemplateFor(MISTRAL)!.overheadTokens;
const asWritten = (prompt: string, answer: string): number =>
  mistral.count(prompt, 'prompt') + mistral.count(answer, 'answer') + TEMPLATE;
const trimmed = (prompt: string, answer: string): number => asWritten(prompt.trim(), answer.trim());

describe('the header rule of the Nscale upload', () => {
  it.each([
    ['question,answer,\na?,yes,\n', 'column 3 of the header row has no name'],
    ['question,answer, answer \na?,yes,no\n', 'the header row names column "answer" twice'],
    ['1,2\n3,4\n', 'the first row holds only numbers: a CSV needs a header row naming its columns'],
  ])('refuses %j as the simulator does, before looking for the columns', async (csv, reason) => {
    await expect(run(csv)).rejects.toMatchObject({
      code: 'BAD_HEADER',
      message: `input.trainingFile: not a valid CSV file: ${reason}`,
    });
  });

  it('compares names longer than the part of them kept whole, as the simulator does', async () => {
    // Regression: names were cut at 1,024 characters before being compared, so two names alike in
    // their first 1,024 characters were said to be the same one, while the simulator took the file.
    const long = 'c'.repeat(1100);
    const report = await run(`question,answer,${long}x,${long}y\na?,yes,1,2\n`);
    expect(report.training.usableRows).toBe(1);
    await expect(run(`question,answer,${long}x,${long}x\na?,yes,1,2\n`)).rejects.toMatchObject({
      code: 'BAD_HEADER',
      message: `input.trainingFile: not a valid CSV file: the header row names column ${JSON.stringify('c'.repeat(1024))} twice`,
    });
    await expect(run(`question,answer,${long}x,answer\na?,yes,1,2\n`)).rejects.toMatchObject({
      message: 'input.trainingFile: not a valid CSV file: the header row names column "answer" twice',
    });
  });

  it('is not Together’s: its conversion reads the two columns by name', async () => {
    const report = await run('question,answer,\na?,yes,\n', { provider: 'together' });
    expect(report.training.usableRows).toBe(1);
  });
});

describe('rows the upload refuses the file for', () => {
  it('each names its line and the rule; the price says the file is refused', async () => {
    const csv = ['question,answer', 'a?,yes', 'What is 1,000?,one thousand', ' \t ', 'b?', 'c?,no'].join('\n');
    const report = await run(csv);
    expect(report.training.problems.map((p) => [p.kind, p.row, p.line, p.message])).toEqual([
      [
        'EXTRA_FIELDS',
        2,
        3,
        'row 2 (line 3): has 3 fields, the header names 2 (an unquoted comma?); the upload refuses the whole ' +
          'file when a row has more or fewer fields than the header names: quote a value that holds a comma',
      ],
      [
        'MISSING_COLUMN',
        3,
        4,
        'row 3 (line 4): the line holds only whitespace, which is read as a row of 1 field (only an empty line ' +
          'is skipped); the upload refuses the whole file when a row has more or fewer fields than the header ' +
          'names: delete the line',
      ],
      [
        'MISSING_COLUMN',
        4,
        5,
        'row 4 (line 5): has 1 of 2 fields: no value for "answer"; the upload refuses the whole file when a ' +
          'row has more or fewer fields than the header names',
      ],
    ]);
    expect(report.cost.explanation).toMatch(
      /As it stands the upload refuses the training file \(3 rows with more or fewer fields than the header\)/,
    );
  });

  it('broken quoting, too, in a validation file', async () => {
    const report = await run('question,answer\na?,yes\n', {
      validation: {
        fileName: 'val.csv',
        open: async () => Readable.from([Buffer.from('question,answer\nb?,"open\n')]),
      },
    });
    expect(report.validation!.stoppedAt!.message).toMatch(/the upload refuses the whole file$/);
    expect(report.cost.explanation).toMatch(
      /As it stands the upload refuses the validation file \(its quoting broken at line \d+\)/,
    );
  });

  it('on Together, an empty answer too: its CSV→JSONL conversion takes no row without one', async () => {
    const csv = 'question,answer\na?,yes\nb?,  \n';
    const together = await run(csv, { provider: 'together' });
    expect(together.training.problems.map((p) => [p.kind, p.message])).toEqual([
      [
        'EMPTY_ANSWER',
        'row 2 (line 3): answer column "answer" is empty; the upload refuses the whole file: the CSV→JSONL ' +
          'conversion takes no row without an answer',
      ],
    ]);
    expect(together.cost.explanation).toMatch(/the upload refuses the training file \(1 row with an empty answer\)/);
    // On Nscale the row only trains nothing.
    const nscale = await run(csv);
    expect(nscale.training.problems[0]!.message).toBe(
      'row 2 (line 3): answer column "answer" is empty: the row trains nothing',
    );
    expect(nscale.cost.explanation).not.toMatch(/refuses/);
  });

  it('a file the upload takes has a price with no such words', async () => {
    const report = await run('question,answer\na?,yes\nb?,\n\n');
    expect(report.cost.explanation).not.toMatch(/refuses/);
  });
});

describe('the text counted is what the provider is sent', () => {
  const rows: [string, string][] = [
    ['   How do I reverse a list?   ', '    items.reverse()\n    return items   '],
    ['  padded prompt', '\tdef f():\n\t    return 1\n'],
  ];
  const csv = `question,answer\n${rows.map(([p, a]) => `"${p}","${a}"`).join('\n')}\n`;

  it('Together: as written (the CSV→JSONL conversion sends cells untrimmed)', async () => {
    const report = await run(csv, { cutAtContext: true, provider: 'together', holdOut: false });
    const expected = rows.reduce((sum, [p, a]) => sum + asWritten(p, a), 0);
    expect(expected).toBeGreaterThan(rows.reduce((sum, [p, a]) => sum + trimmed(p, a), 0));
    expect(report.training.tokens.total).toBe(expected);
  });

  it('Nscale: trimmed (the contract’s row rule)', async () => {
    const report = await run(csv, { holdOut: false });
    expect(report.training.tokens.total).toBe(rows.reduce((sum, [p, a]) => sum + trimmed(p, a), 0));
  });

  it('duplicates are found on trimmed cells either way', async () => {
    const twice = 'question,answer\na?,yes\n  a?  ,  yes\n';
    for (const provider of ['nscale', 'together'] as const)
      expect((await run(twice, { provider })).training.duplicates).toEqual([{ row: 2, duplicateOf: 1 }]);
  });
});
