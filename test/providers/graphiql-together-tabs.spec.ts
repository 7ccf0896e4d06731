/**
 * GraphiQL's guided tabs on either provider (issue 19): every tab's document is valid against the
 * schema, and the Together tabs, sent as GraphiQL sends them (their Headers panel, no credentials: the
 * embedded simulator's demo account), run the journey: the documented curl upload (csvColumns), the
 * estimate and createJob with `files`, to a completed job with its loss curve and download link.
 */
import { readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { GRAPHIQL_TABS } from '../../src/server/graphiql-examples.js';
import { eventually, startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SIMULATOR_JOB_SECONDS: '1' } });
});
afterAll(() => stack.close());

const tabWith = (operation: string) => {
  const tab = GRAPHIQL_TABS.find((t) =>
    new RegExp(`^(query|mutation|subscription) ${operation}\\b`, 'm').test(t.query),
  );
  if (!tab) throw new Error(`no GraphiQL tab with ${operation}`);
  return tab;
};
const headersOf = (operation: string): Record<string, string> => JSON.parse(tabWith(operation).headers ?? '{}');

async function post(headers: Record<string, string>, request: object): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify(request),
  });
  const body = (await response.json()) as GraphQLResponse;
  expect(body.errors).toBeUndefined();
  return body;
}

const send = (operation: string, variables?: object) =>
  post(headersOf(operation), { query: tabWith(operation).query, operationName: operation, variables });

/** The tab's curl command, as a shell would send it: its operations, map and file parts, and its header. */
async function curlUpload(operation: string): Promise<string> {
  const text = tabWith(operation).query;
  const operations = /-F operations='([^']+)'/.exec(text)![1]!;
  const map = /-F map='([^']+)'/.exec(text)![1]!;
  const path = /-F 0=@(\S+)/.exec(text)![1]!;
  const [name, value] = /-H '([^:]+): ([^']+)'/.exec(text)!.slice(1) as [string, string];
  const form = new FormData();
  form.set('operations', operations);
  form.set('map', map);
  form.set('0', new File([readFileSync(new URL(`../../${path}`, import.meta.url))], path.split('/').pop()!));
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { accept: 'application/graphql-response+json', [name]: value },
    body: form,
  });
  const body = (await response.json()) as GraphQLResponse;
  expect(body.errors).toBeUndefined();
  return body.data?.uploadFile.id as string;
}

describe("GraphiQL's guided tabs", () => {
  it.each(GRAPHIQL_TABS.map((tab, i) => [i, tab.query] as const))('tab %i is valid against the schema', (_, query) => {
    expect(validate(schema, parse(query)).map((e) => e.message)).toEqual([]);
  });

  it('run the journey on Together with their X-Provider header, to a completed job', async () => {
    expect(headersOf('TogetherCreateJob')).toEqual({ 'X-Provider': 'together' });
    const providers = (await send('Providers')).data?.providers.map((p: { name: string }) => p.name);
    expect(providers).toEqual(['NSCALE', 'TOGETHER']);
    const models = (await send('TogetherModels')).data?.baseModels.map((m: { id: string }) => m.id);
    expect(models).toContain('meta-llama/Llama-3.2-3B-Instruct');

    const fileId = await curlUpload('TogetherEstimate');
    const estimate = (await send('TogetherEstimate', { fileId })).data?.costEstimate;
    expect(estimate).toMatchObject({ currency: 'USD', allowedToProceed: true });
    expect(estimate.trainingTokens).toBeGreaterThan(0);

    const created = (await send('TogetherCreateJob', { fileId })).data?.createJob;
    expect(created).toMatchObject({ id: expect.stringMatching(/^together:/), provider: 'TOGETHER' });
    const done = await eventually(
      async () => {
        const res = await post(headersOf('WatchTogether'), {
          query: 'query($id: ID!) { job(id: $id) { status downloadUrl metrics { points { step trainingLoss } } } }',
          variables: { id: created.id },
        });
        return res.data?.job?.status === 'COMPLETED' ? res.data.job : undefined;
      },
      20_000,
      'the Together job to complete',
    );
    expect(done.metrics.points.length).toBeGreaterThan(1);
    expect(done.downloadUrl).toMatch(/^https?:\/\//);
  });
});
