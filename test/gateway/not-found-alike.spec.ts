/**
 * Every lookup by id answers an id the caller cannot see as an unknown job is answered (unknown-id.ts):
 * NOT_FOUND naming the argument in `extensions.field`, in one sentence of the gateway's on both
 * providers, never in an upstream's words (Nscale's `no file "…" in this organization`, Together's
 * `File "…" not found.`), and null where the field is nullable. What a field documents as null for a
 * deleted item (a job's dataset) stays null, without an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, headersFor, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const NSCALE = headersFor(DEMO);
const TOGETHER = { authorization: 'Bearer demo-token', 'x-provider': 'together' };

async function gql(query: string, headers: Record<string, string>, variables?: object): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

const notFound = (path: string, message: string) => ({
  message,
  path: [path],
  extensions: { code: 'NOT_FOUND', field: 'id' },
});
const byPath = (errors: GraphQLResponse['errors']) =>
  [...(errors ?? [])]
    .map(({ message, path, extensions }) => ({ message, path, extensions }))
    .sort((a, b) => String(a.path).localeCompare(String(b.path)));

describe('NOT_FOUND of a lookup by id', () => {
  it('on Nscale: file, dataset, baseModel and job answer null with NOT_FOUND naming id, in the gateway’s words', async () => {
    const { data, errors } = await gql(
      'query($id: ID!) { job(id: $id) { id } file(id: $id) { id } dataset(id: $id) { id } baseModel(id: $id) { id } }',
      NSCALE,
      { id: 'nonsense' },
    );
    expect(data).toEqual({ job: null, file: null, dataset: null, baseModel: null });
    expect(byPath(errors)).toEqual([
      notFound('baseModel', 'id: "nonsense" is not one of the base models on provider nscale (see baseModels)'),
      notFound('dataset', 'id: "nonsense" is not one of your datasets on provider nscale (see datasets)'),
      notFound('file', 'id: "nonsense" is not one of your files on provider nscale (see uploadFile)'),
      notFound('job', 'id: "nonsense" is not one of your jobs on provider nscale (see jobs)'),
    ]);
  });

  it('on Together: file, baseModel and job answer the same sentence, naming provider together', async () => {
    const { data, errors } = await gql(
      'query($id: ID!, $model: ID!) { job(id: $id) { id } file(id: $id) { id } baseModel(id: $model) { id } }',
      TOGETHER,
      { id: 'together:file-nope', model: 'nope' },
    );
    expect(data).toEqual({ job: null, file: null, baseModel: null });
    expect(byPath(errors)).toEqual([
      notFound('baseModel', 'id: "nope" is not one of the base models on provider together (see baseModels)'),
      notFound('file', 'id: "together:file-nope" is not one of your files on provider together (see uploadFile)'),
      notFound('job', 'id: "together:file-nope" is not one of your jobs on provider together (see jobs)'),
    ]);
  });

  it("on Nscale, an id of the form of Together's says how a Together file or model is sent", async () => {
    const file = 'file-7dc96862-1f0e-4a54-9c1e-3c0e8b5e4f10';
    const model = 'meta-llama/Llama-3.2-3B-Instruct';
    const { errors } = await gql('query($f: ID!, $m: ID!) { file(id: $f) { id } baseModel(id: $m) { id } }', NSCALE, {
      f: file,
      m: model,
    });
    const over = 'with X-Provider: together (over WebSocket, connectionParams.provider)';
    expect(byPath(errors)).toEqual([
      notFound(
        'baseModel',
        `id: "${model}" is not one of the base models on provider nscale (see baseModels); it has the form of ` +
          `Together's model names (organization/model): a Together model is sent ${over}`,
      ),
      notFound(
        'file',
        `id: "${file}" is not one of your files on provider nscale (see uploadFile); it has the form of Together's ` +
          `own file ids: a Together file is sent ${over}, as the gateway gives it out: "together:${file}"`,
      ),
    ]);
    // The same model is Together's, and found there.
    expect((await gql('query($m: ID!) { baseModel(id: $m) { id } }', TOGETHER, { m: model })).data).toEqual({
      baseModel: { id: model },
    });
  });

  it('deleteDataset of an unknown dataset is NOT_FOUND naming id, as dataset answers it', async () => {
    const { errors } = await gql('mutation { deleteDataset(id: "nonsense") }', NSCALE);
    expect(byPath(errors)).toEqual([
      notFound('deleteDataset', 'id: "nonsense" is not one of your datasets on provider nscale (see datasets)'),
    ]);
  });

  it("a job's deleted dataset stays null without an error, as Job.dataset documents", async () => {
    const { datasetId } = await seedDataset(stack, DEMO, 'not-found-alike');
    const job = await stack.client.createJob(DEMO, {
      name: 'dataset-gone',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    expect((await gql('mutation($id: ID!) { deleteDataset(id: $id) }', NSCALE, { id: datasetId })).errors).toBe(
      undefined,
    );
    const read = await gql('query($id: ID!) { job(id: $id) { id dataset { id } } }', NSCALE, { id: job.id });
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ job: { id: job.id, dataset: null } });
    // Asked by its id, the same dataset is NOT_FOUND, in the gateway's words.
    const direct = await gql('query($id: ID!) { dataset(id: $id) { id } }', NSCALE, { id: datasetId });
    expect(byPath(direct.errors)).toEqual([
      notFound('dataset', `id: "${datasetId}" is not one of your datasets on provider nscale (see datasets)`),
    ]);
  });
});
