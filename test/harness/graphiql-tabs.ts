/**
 * GraphiQL's example tabs (src/server/graphiql-examples.ts) sent as GraphiQL sends them, in-process
 * (`yoga.fetch`): each tab's document with its own Headers panel (no credentials: the embedded
 * simulator's demo account). Queries and mutations go as a JSON POST; a subscription goes as GraphiQL
 * sends it with `subscriptionsProtocol: 'SSE'`: a GET with `Accept: text/event-stream`, its Headers
 * panel's headers, and the document, variables and operation name in the query string. Shared by the
 * tab specs and the GraphiQL browser spec (which creates its job with them).
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { GRAPHIQL_TABS } from '../../src/server/graphiql-examples.js';
import type { Gateway } from '../../src/server/gateway.js';
import type { GraphQLResponse } from './stack.js';

/** The tab whose document has the operation `operation` (a tab may hold more than one). */
export function tabWith(operation: string): (typeof GRAPHIQL_TABS)[number] {
  const tab = GRAPHIQL_TABS.find((t) =>
    new RegExp(`^(query|mutation|subscription) ${operation}\\b`, 'm').test(t.query),
  );
  if (!tab) throw new Error(`no GraphiQL tab with ${operation}`);
  return tab;
}

/** The headers of the tab with `operation`, as its Headers panel holds them. */
export const headersOf = (operation: string): Record<string, string> =>
  JSON.parse(tabWith(operation).headers ?? '{}') as Record<string, string>;

/** Posts one GraphQL request in-process with `headers`; its body, which holds no error. */
export async function postAs(
  gateway: Gateway,
  headers: Record<string, string>,
  request: object,
): Promise<GraphQLResponse> {
  const response = await gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify(request),
  });
  const body = (await response.json()) as GraphQLResponse;
  expect(body.errors).toBeUndefined();
  return body;
}

/** Runs the tab's `operation` (a query or mutation) with the tab's headers. */
export const runTab = (gateway: Gateway, operation: string, variables?: object): Promise<GraphQLResponse> =>
  postAs(gateway, headersOf(operation), { query: tabWith(operation).query, operationName: operation, variables });

/** The tab's curl upload, as a shell would send it (its operations, map, file and header): the file id. */
export async function curlUpload(gateway: Gateway, operation: string): Promise<string> {
  const text = tabWith(operation).query;
  const operations = /-F operations='([^']+)'/.exec(text)![1]!;
  const map = /-F map='([^']+)'/.exec(text)![1]!;
  const path = /-F 0=@(\S+)/.exec(text)![1]!;
  const [name, value] = /-H '([^:]+): ([^']+)'/.exec(text)!.slice(1) as [string, string];
  const form = new FormData();
  form.set('operations', operations);
  form.set('map', map);
  form.set('0', new File([readFileSync(new URL(`../../${path}`, import.meta.url))], path.split('/').pop()!));
  const response = await gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { accept: 'application/graphql-response+json', [name]: value },
    body: form,
  });
  const body = (await response.json()) as GraphQLResponse;
  expect(body.errors).toBeUndefined();
  return body.data?.uploadFile.id as string;
}

/** A Together job created by the Together tabs: the curl upload, then TogetherCreateJob; its id. */
export async function createJobFromTogetherTabs(gateway: Gateway): Promise<string> {
  const fileId = await curlUpload(gateway, 'TogetherEstimate');
  const created = (await runTab(gateway, 'TogetherCreateJob', { fileId })).data?.createJob;
  expect(created).toMatchObject({ id: expect.stringMatching(/^together:/), provider: 'TOGETHER' });
  return created.id as string;
}

/**
 * Runs the tab's subscription `operation` as GraphiQL sends it over SSE, to the end of its stream:
 * every payload pushed, and whether the stream ended with `event: complete`.
 */
export async function subscribeTab(
  gateway: Gateway,
  operation: string,
  variables: object,
): Promise<{ payloads: Array<Omit<GraphQLResponse, 'status'>>; completed: boolean }> {
  const params = new URLSearchParams({
    query: tabWith(operation).query,
    variables: JSON.stringify(variables),
    operationName: operation,
  });
  const response = await gateway.yoga.fetch(`http://localhost/graphql?${params}`, {
    headers: { accept: 'text/event-stream', ...headersOf(operation) },
  });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const blocks = (await response.text()).split('\n\n').filter((block) => block.trim() !== '');
  const payloads = blocks.flatMap((block) => {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .join('\n');
    return /^event: next$/m.test(block) && data ? [JSON.parse(data) as Omit<GraphQLResponse, 'status'>] : [];
  });
  return { payloads, completed: blocks.some((block) => /^event: complete$/m.test(block)) };
}
