/**
 * Regression (tester's trial of Together's CSV→JSONL conversion): column choices that gave wrong data
 * were taken without a word. The same column for prompt and answer trained every sample on its own
 * prompt; a header naming the prompt column twice was read from the first; a blank column name fell
 * back to the default (and the refusal then named `file`); `csvColumns` with a JSONL file was ignored.
 * Each is now refused on the field to fix, before anything reaches Together. A header without the
 * default columns is told how to name others, and the answer rule is said as it is ("answer", else
 * "completion"), a semicolon-separated header said to be one. Names quoted in these refusals show
 * controls and bidirectional overrides escaped, not raw. And `File.name` says a CSV comes back `.jsonl`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QA_CSV } from '../harness/fixtures.js';
import { startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';
import { gatewayMultipart } from '../harness/together-job.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.togetherSimulator!.resetStats());

const togetherCalls = () =>
  Object.fromEntries(Object.entries(stack.togetherSimulator!.stats()).filter(([, n]) => n > 0));

const upload = (name: string, content: string, csvColumns?: object): Promise<GraphQLResponse> =>
  gatewayMultipart(
    stack.gateway,
    'mutation($file: Upload!, $c: CsvColumnsInput) { uploadFile(file: $file, csvColumns: $c) { id name } }',
    { file: null, c: csvColumns ?? null },
    { 'variables.file': new File([content], name) },
  );

/** The one refusal of `res`: its field and message, with nothing sent to Together. */
function refusal(res: GraphQLResponse): { field: string; message: string } {
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
  expect(togetherCalls()).toEqual({});
  return { field: res.errors![0]!.extensions?.field as string, message: res.errors![0]!.message };
}

describe('csvColumns choices that would train on wrong data are refused, nothing uploaded', () => {
  it('the same column for prompt and answer, on csvColumns.answerColumn', async () => {
    expect(refusal(await upload('qa.csv', QA_CSV, { promptColumn: 'question', answerColumn: 'question' }))).toEqual({
      field: 'csvColumns.answerColumn',
      message:
        'csvColumns.answerColumn: "question" is csvColumns.promptColumn too: a sample\'s prompt and its ' +
        'completion come from two different columns.',
    });
    // The default answer column named as the prompt: the same mistake, on the column named.
    expect(refusal(await upload('qa.csv', QA_CSV, { promptColumn: 'answer' }))).toEqual({
      field: 'csvColumns.promptColumn',
      message:
        'csvColumns.promptColumn: "answer" is the answer column too (csvColumns.answerColumn is not given: ' +
        '"answer", else "completion"): a sample\'s prompt and its completion come from two different ' +
        'columns; name the answer column with csvColumns.answerColumn.',
    });
  });

  it('a header naming a column the conversion reads twice, naming it and its positions', async () => {
    expect(refusal(await upload('dup.csv', 'prompt,prompt,answer\nq,other q,a\n'))).toEqual({
      field: 'file',
      message:
        'file: dup.csv: the header names "prompt" 2 times (columns 1 and 2), and the conversion reads each ' +
        "sample's prompt from that column: give each column a name of its own.",
    });
    expect(refusal(await upload('dup.csv', 'id,answer,prompt,answer\n1,a,q,b\n')).message).toMatch(
      /^file: dup\.csv: the header names "answer" 2 times \(columns 2 and 4\), and the conversion reads each sample's completion/,
    );
    // A name used twice that the conversion does not read is fine.
    const fine = await upload('notes.csv', 'note,prompt,answer,note\nx,q,a,y\n');
    expect(fine.errors).toBeUndefined();
    expect(fine.data?.uploadFile.name).toBe('notes.jsonl');
    expect(togetherCalls()['POST /files']).toBe(1);
  });

  it.each([
    ['promptColumn', { promptColumn: '' }, '""', '"prompt"'],
    ['answerColumn', { answerColumn: '  ' }, '"  "', '"answer", else "completion"'],
  ])('a blank %s, on that field (not the default column, not `file`)', async (key, columns, shown, fallback) => {
    expect(refusal(await upload('qa.csv', QA_CSV, columns))).toEqual({
      field: `csvColumns.${key}`,
      message:
        `csvColumns.${key}: ${shown} is blank: name a column of the CSV's header row, or leave ` +
        `csvColumns.${key} out for the default (${fallback}).`,
    });
  });

  it('csvColumns with a JSONL file, on csvColumns', async () => {
    const jsonl = `${JSON.stringify({ prompt: 'q', completion: 'a' })}\n`;
    expect(refusal(await upload('qa.jsonl', jsonl, { promptColumn: 'question' }))).toEqual({
      field: 'csvColumns',
      message:
        'csvColumns: "qa.jsonl" is a JSONL file, sent to Together as it is: csvColumns applies to CSV files ' +
        '(….csv) only; leave it out.',
    });
    expect(refusal(await upload('qa.jsonl', jsonl, {})).field).toBe('csvColumns');
  });
});

describe('a CSV without the default columns: the rule as it is, and how to name others', () => {
  it('names the missing column, the rule and csvColumns', async () => {
    expect(refusal(await upload('qa.csv', QA_CSV))).toEqual({
      field: 'file',
      message:
        'file: qa.csv: Together fine-tunes on JSONL, and a CSV is converted from its prompt column ("prompt") ' +
        'and its answer column ("answer", else "completion"); this file\'s header has "question", "answer": ' +
        'no "prompt" column. To convert other columns, name them with csvColumns (promptColumn, answerColumn).',
    });
  });

  it('a header separated by semicolons: the rule said as "answer", else "completion", and the separator named', async () => {
    const { message } = refusal(await upload('semi.csv', 'prompt;answer\nq;a\n'));
    expect(message).toBe(
      'file: semi.csv: Together fine-tunes on JSONL, and a CSV is converted from its prompt column ("prompt") ' +
        'and its answer column ("answer", else "completion"); this file\'s header has "prompt;answer": no ' +
        '"prompt" column, no "answer" or "completion" column. Its header is one column holding ";": a CSV\'s ' +
        'columns are separated by commas; save the file with commas between its columns.',
    );
    expect(message).not.toMatch(/"prompt" and "completion" columns/);
  });
});

describe('names quoted in refusals: invisible and reordering characters escaped', () => {
  it('header names with a right-to-left override, a zero-width space and a C1 control', async () => {
    const { message } = refusal(await upload('qa.csv', 'quest\u202Eion,ans\u200Bwer\u0085\nq,a\n'));
    expect(message).toContain('this file\'s header has "quest\\u202Eion", "ans\\u200Bwer\\u0085"');
    expect(message).not.toMatch(/[\u202E\u200B\u0085]/);
  });

  it('file names, in the conversion’s refusals and the format refusal', async () => {
    const csv = refusal(await upload('evil\u202Elsc.csv', 'question,reply\nq,a\n'));
    expect(csv.message).toMatch(/^file: evil\\u202Elsc\.csv: Together fine-tunes on JSONL/);
    expect(csv.message).not.toContain('\u202E');
    const format = refusal(await upload('data\u2066.parquet', 'PAR1'));
    expect(format.message).toMatch(/^file: "data\\u2066\.parquet": Together takes JSONL files/);
  });
});

it('File.name says that on Together a CSV is stored converted, as .jsonl', async () => {
  const res = await upload('qa.csv', QA_CSV, { promptColumn: 'question' });
  expect(res.data?.uploadFile.name).toBe('qa.jsonl');
  const described = await stack.gql('{ __type(name: "File") { fields { name description } } }');
  const name = (described.data?.__type.fields as Array<{ name: string; description: string }>).find(
    (f) => f.name === 'name',
  );
  expect(name?.description).toMatch(
    /On Together a CSV is stored converted to JSONL, under the same name with `\.jsonl`/,
  );
});
