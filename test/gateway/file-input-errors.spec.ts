/**
 * Regression (issue 21, item 6): a frontend met three shapes of input error. `uploadFile` refusals
 * carried no `extensions.field`; `analyzeDataset` said `input.trainingFile:` while its field was
 * `trainingFile`; and a JSON Lines file got the CSV parser's jargon ("Invalid Opening Quote … value is
 * "{"") with no word on the format the service takes. Now every input error starts with the name
 * `extensions.field` holds, as createJob's do, and a file that is not CSV is told that only CSV is taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MISTRAL_V02 } from '../simulator/harness.js';
import { uploadCsv } from '../harness/http-client.js';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ http: true });
});
afterAll(() => stack.close());

const JSONL =
  '{"prompt": "What is LoRA?", "completion": "Low-rank adapters."}\n{"prompt": "Hi", "completion": "Hello"}\n';

async function analyze(content: string | Uint8Array<ArrayBuffer>, filename: string): Promise<GraphQLResponse> {
  const form = new FormData();
  const input = { trainingFile: null, baseModelId: MISTRAL_V02, promptColumn: 'prompt', answerColumn: 'completion' };
  form.set(
    'operations',
    JSON.stringify({
      query: 'query($input: AnalyzeDatasetInput!) { analyzeDataset(input: $input) { training { rowsRead } } }',
      variables: { input },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.input.trainingFile'] }));
  form.set('0', new Blob([content]), filename);
  const res = await fetch(`${stack.server!.url}/graphql`, { method: 'POST', headers: headersFor(DEMO), body: form });
  return (await res.json()) as GraphQLResponse;
}

function expectOneShape(res: GraphQLResponse, field: string): string {
  expect(res.errors).toHaveLength(1);
  const [error] = res.errors!;
  expect(error!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  expect(error!.message.startsWith(`${field}: `)).toBe(true);
  return error!.message;
}

describe('input errors of files', () => {
  it('uploadFile: a JSON Lines file is refused naming the field, saying it is JSON and that only CSV is taken', async () => {
    const message = expectOneShape(await uploadCsv(stack.server!.url, 'train.jsonl', JSONL, DEMO), 'file');
    expect(message).toMatch(/JSON Lines/);
    expect(message).toContain('the fine-tuning service takes CSV files only');
    expect(message).not.toMatch(/Opening Quote/);
  });

  it('uploadFile: a broken CSV keeps the reason and names the format taken', async () => {
    const message = expectOneShape(await uploadCsv(stack.server!.url, 'bad.csv', 'q,a\n"open,x\n', DEMO), 'file');
    expect(message).toMatch(/^file: not a valid CSV file: Quote Not Closed.*CSV files only/);
  });

  it('analyzeDataset: a JSON Lines file is refused naming trainingFile, with the format taken', async () => {
    const message = expectOneShape(await analyze(JSONL, 'train.jsonl'), 'trainingFile');
    expect(message).toContain('the fine-tuning service takes CSV files only');
    expect(message).not.toMatch(/Opening Quote/);
  });

  it('analyzeDataset: a binary file and an empty one start with the field, not input.trainingFile', async () => {
    expectOneShape(await analyze(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0]), 'x.zip'), 'trainingFile');
    expectOneShape(await analyze('', 'empty.csv'), 'trainingFile');
  });
});
