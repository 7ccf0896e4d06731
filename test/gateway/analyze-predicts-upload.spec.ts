/**
 * Regression: the pre-flight was more lenient than the Nscale upload. A CSV with a row wider or
 * narrower than its header (an unquoted comma, a missing field), a line of spaces (csv-parse reads it
 * as a row of one field, not as an empty line), or a header with a blank or repeated name got a report
 * of row problems and a price, while the simulator's upload refused the whole file. Now, for each
 * such file, the pre-flight says the upload refuses it (a header: the same input error, in the
 * service's words; rows: problems naming the line and the rule, and the price says the file is
 * refused), and a file the upload takes is not said to be refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenPool, type TokenPool } from '../../src/preflight/token-pool.js';
import { LLAMA_INSTRUCT } from '../harness/fixtures.js';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';
import { RESAVE_AS_UTF8 } from '../../src/upstream/utf8-text.js';
import { gatewayMultipart } from '../harness/together-job.js';

let stack: Stack;
let pool: TokenPool;
beforeAll(async () => {
  pool = createTokenPool({ maxThreads: 1 });
  stack = await startStack({ gateway: { tokenPool: pool } });
});
afterAll(async () => {
  await stack.close();
  await pool.close();
});

const ANALYZE = `query($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) {
  training { usableRows problems { kind row line message } stoppedAt { line message } }
  cost { explanation }
} }`;
const UPLOAD = 'mutation($file: Upload!) { uploadFile(file: $file) { id } }';

type Provider = 'nscale' | 'together';

/** `query` in-process as the demo tenant on `provider`, with `csv` as `train.csv` at `path`. */
const multipart = (
  query: string,
  variables: object,
  path: string,
  csv: string | Uint8Array<ArrayBuffer>,
  provider: Provider = 'nscale',
): Promise<GraphQLResponse> =>
  gatewayMultipart(
    stack.gateway,
    query,
    variables,
    { [path]: new File([csv], 'train.csv') },
    provider === 'nscale' ? headersFor(DEMO) : { authorization: `Bearer ${DEMO.token}`, 'x-provider': 'together' },
  );

const upload = (csv: string) => multipart(UPLOAD, { file: null }, 'variables.file', csv);
const analyze = (csv: string, promptColumn: string | null = 'question') =>
  multipart(
    ANALYZE,
    { input: { trainingFile: null, baseModelId: LLAMA_INSTRUCT, promptColumn, answerColumn: 'answer' } },
    'variables.input.trainingFile',
    csv,
  );

/** What the pre-flight predicts of the upload: refused (and why, with the line at fault) or taken. */
function prediction(res: GraphQLResponse): { refused: boolean; message: string; line: number | null } {
  if (res.errors !== undefined) {
    expect(res.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'trainingFile' });
    return { refused: true, message: res.errors[0]!.message, line: null };
  }
  const report = res.data!.analyzeDataset;
  const refused = /the upload refuses/.test(report.cost.explanation);
  const first = report.training.stoppedAt ?? report.training.problems.find((p: any) => p.kind !== 'EMPTY_ANSWER');
  return { refused, message: first?.message ?? '', line: first?.line ?? null };
}

const RULE = 'the upload refuses the whole file when a row has more or fewer fields than the header names';

describe('analyzeDataset predicts what the Nscale upload does with the file', () => {
  it.each([
    ['a row with an unquoted comma', 'question,answer\na?,yes\nWhat is 1,000 in words?,one thousand\nb?,no\n', 3],
    ['a row short of a field', 'question,answer,topic\na?,yes,x\nb?\nc?,no,y\n', 3],
    ['a line of spaces between rows', 'question,answer\na?,yes\n   \nb?,no\n', 3],
    ['a line of a tab at the end', 'question,answer\r\na?,yes\r\nb?,no\r\n\t\r\n', 4],
  ])('%s: refused by both, at the same line, with the rule', async (_name, csv, line) => {
    const uploaded = await upload(csv);
    expect(uploaded.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'file' });
    expect(uploaded.errors?.[0]?.message).toContain(`on line ${line}`);
    const predicted = prediction(await analyze(csv));
    expect(predicted).toMatchObject({ refused: true, line });
    expect(predicted.message).toContain(`(line ${line}): `);
    expect(predicted.message).toContain(RULE);
  });

  it('says why in the price, which leaves the rows at fault out', async () => {
    const res = await analyze('question,answer\na?,yes\n  \nb?,no\n');
    const report = res.data!.analyzeDataset;
    expect(report.training.usableRows).toBe(2);
    expect(report.training.problems).toEqual([
      {
        kind: 'MISSING_COLUMN',
        row: 2,
        line: 3,
        message: `row 2 (line 3): the line holds only whitespace, which is read as a row of 1 field (only an empty line is skipped); ${RULE}: delete the line`,
      },
    ]);
    expect(report.cost.explanation).toMatch(
      /\. As it stands the upload refuses the training file \(1 row with more or fewer fields than the header\): see the problems listed; these figures count only the usable rows read$/,
    );
  });

  it.each([
    ['a header with a blank name', 'question,answer,\na?,yes,\n'],
    ['a header naming a column twice', 'question,answer,answer\na?,yes,no\n'],
    ['a header with a name of spaces', 'question,  \na?,yes\n'],
    ['a first row of numbers (no header)', '1,2\n3,4\n'],
  ])('%s: refused by both, in the same words', async (_name, csv) => {
    const uploaded = await upload(csv);
    const reason = uploaded.errors?.[0]?.message.replace(/^file: /, '');
    expect(reason).toMatch(/^not a valid CSV file: /);
    const predicted = prediction(await analyze(csv));
    expect(predicted.refused).toBe(true);
    expect(predicted.message.startsWith(`trainingFile: ${reason}`)).toBe(true);
  });

  it('broken quoting: refused by both', async () => {
    const csv = 'question,answer\na?,yes\nb?,"unclosed\nc?,no\n';
    expect((await upload(csv)).errors?.[0]?.message).toMatch(/Quote Not Closed/);
    const predicted = prediction(await analyze(csv));
    expect(predicted.refused).toBe(true);
    expect(predicted.message).toMatch(/the upload refuses the whole file$/);
  });

  it.each([
    ['an empty answer (the row trains nothing)', 'question,answer\na?,yes\nb?,\n', 'question'],
    ['empty lines between rows', 'question,answer\na?,yes\n\n\nb?,no\n', 'question'],
    ['a line of spaces in a one-column file (an empty answer)', 'answer\nyes\n   \nno\n', null],
    ['spaces around the cells', 'question , answer\n  a? ,  yes  \n', 'question'],
  ])('%s: taken by both', async (_name, csv, promptColumn) => {
    const uploaded = await upload(csv);
    expect(uploaded.errors).toBeUndefined();
    const res = await analyze(csv, promptColumn);
    expect(res.errors).toBeUndefined();
    expect(prediction(res).refused).toBe(false);
  });
});

describe('analyzeDataset predicts what each provider’s upload does with line endings and bytes', () => {
  const TOGETHER_MODEL = 'meta-llama/Llama-3.2-3B-Instruct';
  const uploadTo = (provider: Provider, csv: string | Uint8Array<ArrayBuffer>) =>
    multipart(UPLOAD, { file: null }, 'variables.file', csv, provider);
  const analyzeFor = (provider: Provider, csv: string | Uint8Array<ArrayBuffer>) =>
    multipart(
      ANALYZE,
      {
        input: {
          trainingFile: null,
          baseModelId: provider === 'nscale' ? LLAMA_INSTRUCT : TOGETHER_MODEL,
          promptColumn: 'prompt',
          answerColumn: 'answer',
        },
      },
      'variables.input.trainingFile',
      csv,
      provider,
    );

  // Regression: the pre-flight took any `\r` for a line ending once the file's first was `\r\n`,
  // where csv-parse (both uploads) ends a record only on `\r\n`: a lone `\r` is text of the cell,
  // and after a closing quote it is a quoting error.
  describe.each(['nscale', 'together'] as const)('on %s', (provider) => {
    it('a lone \\r in a cell of a CRLF file: taken by both', async () => {
      const csv = 'prompt,answer\r\nx\r,z\r\n';
      expect((await uploadTo(provider, csv)).errors).toBeUndefined();
      const res = await analyzeFor(provider, csv);
      expect(res.errors).toBeUndefined();
      expect(prediction(res).refused).toBe(false);
      expect(res.data!.analyzeDataset.training.usableRows).toBe(1);
    });

    it('a lone \\r after a closing quote in a CRLF file: refused by both', async () => {
      const csv = 'prompt,answer\r\nx,"q"\r ,b\r\n';
      expect((await uploadTo(provider, csv)).errors?.[0]?.message).toMatch(/Invalid Closing Quote/);
      const predicted = prediction(await analyzeFor(provider, csv));
      expect(predicted.refused).toBe(true);
      expect(predicted.message).toMatch(/Invalid Closing Quote: [^]*the upload refuses the whole file$/);
    });

    // Regression: Together's conversion sent Latin-1 as U+FFFD, a NUL byte as \u0000, and read
    // UTF-16 with its BOM, while the pre-flight (and Nscale's upload) refuse the file. And the
    // upload's refusal said `file: …` (the GraphQL variable) on both, nothing of where or what to do:
    // now both name the file, the byte at fault and say to re-save it as UTF-8, in the same words.
    it.each([
      [
        'Latin-1',
        Buffer.from('prompt,answer\nq,caf\xe9\n', 'latin1'),
        'it is not UTF-8 text',
        'file: "train.csv" is not UTF-8 text: the byte 0xE9 at line 2 (byte offset 19) is not valid UTF-8 ' +
          `(a file saved as Latin-1 or Windows-1252?): ${RESAVE_AS_UTF8}.`,
      ],
      [
        'a NUL byte in a cell',
        Buffer.from('prompt,answer\nq,a\0b\n'),
        'it holds binary data (NUL bytes)',
        'file: "train.csv" is not a text file: it holds binary data (a NUL byte at line 2 (byte offset 17)), not ' +
          `UTF-8 text; if it is text, ${RESAVE_AS_UTF8}.`,
      ],
      [
        'UTF-16LE with its BOM',
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('prompt,answer\nq,a\n', 'utf16le')]),
        'it holds binary data (NUL bytes)',
        `file: "train.csv" is UTF-16 text, not UTF-8: ${RESAVE_AS_UTF8}.`,
      ],
    ])('%s: refused by both, in the same words, naming the file', async (_name, bytes, why, said) => {
      const file = new Uint8Array(bytes);
      const uploaded = await uploadTo(provider, file);
      expect(uploaded.errors).toEqual([
        expect.objectContaining({ message: said, extensions: { code: 'BAD_USER_INPUT', field: 'file' } }),
      ]);
      expect(uploaded.errors?.[0]?.path).toEqual(['uploadFile']);
      const predicted = prediction(await analyzeFor(provider, file));
      expect(predicted.refused).toBe(true);
      expect(predicted.message.startsWith(`trainingFile: not a CSV file: ${why}; `)).toBe(true);
    });
  });
});
