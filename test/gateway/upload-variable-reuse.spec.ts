/**
 * A file part is streamed once, to the field that reads it: an `Upload` variable that two `uploadFile`
 * fields read gave the second one an empty stream. On Together it stored a 0-byte file and answered
 * success; on Nscale the second upload failed ("file: the file is empty") and, `uploadFile` being
 * non-null, nulled `data`: the first file, stored, lost its id. Such a request is now refused before
 * anything is read or sent upstream, as a part mapped to two variables is. So is a `map` that puts a
 * file where the operation's variable takes none (its errors named the gateway's own upload object's
 * keys). `analyzeDataset`'s fields, which read one part side by side, may still share it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, QA_CSV } from '../harness/fixtures.js';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ http: true });
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.simulator.resetStats();
  stack.togetherSimulator!.resetStats();
});

const PROVIDERS = ['nscale', 'together'] as const;
// Columns both providers take as they are (Together converts a CSV from its "prompt" column).
const CSV = QA_CSV.replace('question,answer', 'prompt,answer');
type Provider = (typeof PROVIDERS)[number];

const headersOf = (provider: Provider): Record<string, string> =>
  provider === 'nscale' ? headersFor(DEMO) : { authorization: `Bearer ${DEMO.token}`, 'x-provider': 'together' };

/** A GraphQL multipart request over real HTTP: `files` are the parts "0", "1", … in that order. */
async function multipart(
  provider: Provider,
  query: string,
  variables: Record<string, unknown>,
  map: Record<string, string[]>,
  files: string[] = [CSV],
): Promise<GraphQLResponse> {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables }));
  form.set('map', JSON.stringify(map));
  files.forEach((content, i) => form.set(String(i), new Blob([content], { type: 'text/csv' }), `part${i}.csv`));
  const response = await fetch(`${stack.server!.url}/graphql`, {
    method: 'POST',
    headers: headersOf(provider),
    body: form,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** No upstream call at all, on either simulator: nothing was uploaded, nothing was even asked. */
function expectNoUpstreamCall(): void {
  expect(stack.calls()).toEqual({});
  expect(stack.togetherCalls()).toEqual({});
}

const REUSED =
  'mutation($a: Upload!) { a: uploadFile(file: $a) { id name bytes } b: uploadFile(file: $a) { id name bytes } }';
const REUSE_REFUSAL =
  'Multipart "map": variable $a (part "0") is read by 2 fields, "a: uploadFile" and "b: uploadFile"; a file part ' +
  'is streamed once, to one field (send the file once for each field, as separate parts mapped to separate variables).';

describe.each(PROVIDERS)('one Upload variable read by two uploadFile fields, on %s', (provider) => {
  it('is refused with BAD_USER_INPUT naming the variable and both fields, before any upload', async () => {
    const res = await multipart(provider, REUSED, { a: null }, { 0: ['variables.a'] });
    expect(res).toEqual({
      status: 400,
      errors: [{ message: REUSE_REFUSAL, extensions: { code: 'BAD_USER_INPUT', field: 'file' } }],
    });
    expectNoUpstreamCall();
  });

  it('is refused when one of the fields comes from a fragment', async () => {
    const query =
      'mutation($a: Upload!) { first: uploadFile(file: $a) { id } ...Again } ' +
      'fragment Again on Mutation { again: uploadFile(file: $a) { id } }';
    const res = await multipart(provider, query, { a: null }, { 0: ['variables.a'] });
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(
          'variable $a (part "0") is read by 2 fields, "first: uploadFile" and "again: uploadFile"',
        ),
        extensions: { code: 'BAD_USER_INPUT', field: 'file' },
      }),
    ]);
    expectNoUpstreamCall();
  });

  it('one field selected twice (merged into one) still uploads the file once, whole', async () => {
    const query = 'mutation($a: Upload!) { uploadFile(file: $a) { id } uploadFile(file: $a) { name bytes } }';
    const res = await multipart(provider, query, { a: null }, { 0: ['variables.a'] });
    expect(res.errors).toBeUndefined();
    expect(res.data?.uploadFile).toMatchObject({ id: expect.any(String), bytes: expect.any(Number) });
    expect(res.data?.uploadFile.bytes).toBeGreaterThan(0);
    const calls = provider === 'nscale' ? stack.calls() : stack.togetherCalls();
    expect(calls['POST /files']).toBe(1);
  });

  it('the same file sent once for each field, as separate parts, uploads both', async () => {
    const query =
      'mutation($a: Upload!, $b: Upload!) { a: uploadFile(file: $a) { bytes } b: uploadFile(file: $b) { bytes } }';
    const res = await multipart(provider, query, { a: null, b: null }, { 0: ['variables.a'], 1: ['variables.b'] }, [
      CSV,
      CSV,
    ]);
    expect(res.errors).toBeUndefined();
    expect(res.data?.a.bytes).toBeGreaterThan(0);
    expect(res.data?.a).toEqual(res.data?.b);
    const calls = provider === 'nscale' ? stack.calls() : stack.togetherCalls();
    expect(calls['POST /files']).toBe(2);
  });

  it('analyzeDataset may still read one Upload in two fields: each reads the whole file', async () => {
    const model = provider === 'nscale' ? LLAMA_INSTRUCT : 'meta-llama/Llama-3.2-3B-Instruct';
    const input = `{ trainingFile: $t, baseModelId: "${model}", promptColumn: "prompt", answerColumn: "answer" }`;
    const query = `query($t: Upload!) {
      a: analyzeDataset(input: ${input}) { training { usableRows bytes } }
      b: analyzeDataset(input: ${input}) { training { usableRows bytes } }
    }`;
    const res = await multipart(provider, query, { t: null }, { 0: ['variables.t'] });
    expect(res.errors).toBeUndefined();
    expect(res.data?.a.training).toEqual({ usableRows: 5, bytes: Buffer.byteLength(CSV) });
    expect(res.data?.b).toEqual(res.data?.a);
    expect(stack.calls()['POST /files']).toBeUndefined();
    expect(stack.togetherCalls()['POST /files']).toBeUndefined();
  });
});

describe.each(PROVIDERS)('a map that puts a file where the variable takes none, on %s', (provider) => {
  const QUERY = 'mutation($file: Upload!, $c: CsvColumnsInput) { uploadFile(file: $file, csvColumns: $c) { id } }';

  it('is one BAD_USER_INPUT naming the variable and its type, not the upload object’s keys', async () => {
    const res = await multipart(
      provider,
      QUERY,
      { file: null, c: null },
      { 0: ['variables.file'], 1: ['variables.c'] },
      [CSV, CSV],
    );
    expect(res).toEqual({
      status: 400,
      errors: [
        {
          message:
            'Multipart "map": part "1" puts a file at "variables.c", where the operation\'s variable $c of type ' +
            'CsvColumnsInput takes no file (map file parts only to Upload variables).',
          extensions: { code: 'BAD_USER_INPUT', field: 'csvColumns' },
        },
      ],
    });
    expectNoUpstreamCall();
  });

  it('names the input field within the variable when the map goes deeper', async () => {
    const res = await multipart(
      provider,
      QUERY,
      { file: null, c: { promptColumn: null } },
      { 0: ['variables.file'], 1: ['variables.c.promptColumn'] },
      [CSV, CSV],
    );
    expect(res.status).toBe(400);
    expect(res.errors).toEqual([
      {
        message:
          'Multipart "map": part "1" puts a file at "variables.c.promptColumn", where the operation\'s variable $c of ' +
          'type CsvColumnsInput takes no file (map file parts only to Upload variables).',
        extensions: { code: 'BAD_USER_INPUT', field: 'csvColumns.promptColumn' },
      },
    ]);
    expectNoUpstreamCall();
  });
});
