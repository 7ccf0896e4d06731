/**
 * Every response is counted by status and error code, refusals included (issue 21 item 2): the
 * gateway's own 429, a 413, a body that is not JSON, a persisted-query miss and a hash mismatch, an
 * operation limit. Each refusal is sent over real HTTP, then the metrics listener is scraped: the
 * series of exactly the status and code the client received has moved by one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/server/sha256-hex.js';
import { createGatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let limited: Stack;

beforeAll(async () => {
  const metrics = () => createGatewayMetrics({ processMetrics: false });
  stack = await startStack({
    http: true,
    env: { MAX_REQUEST_BODY_BYTES: '2000' },
    gateway: { metrics: metrics(), operationLimits: { maxDepth: 3 } },
  });
  limited = await startStack({
    http: true,
    sharedSimulator: stack.simulator,
    env: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_POINTS: '1' },
    gateway: { metrics: metrics() },
  });
});
afterAll(async () => {
  await limited?.close();
  await stack?.close();
});

async function responsesCounted(on: Stack): Promise<Map<string, number>> {
  const text = await (await fetch(on.metricsServer!.url)).text();
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^gateway_http_responses_total\{status="(\d+)",code="([A-Z_a-z]+)"\} (\d+)$/gm))
    counts.set(`${match[1]} ${match[2]}`, Number(match[3]));
  return counts;
}

/** Sends `body` (a string as is, else as JSON) to `/graphql`; answers what the client saw. */
async function send(on: Stack, body: unknown): Promise<{ status: number; code: string }> {
  const response = await fetch(`${on.server!.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headersFor(DEMO) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  return { status: response.status, code: json.errors?.[0]?.extensions?.code ?? 'none' };
}

/** Sends one refusal and answers how much the counter of its status and code moved. */
async function countedOnce(on: Stack, body: unknown, expected: { status: number; code: string }) {
  const before = await responsesCounted(on);
  const seen = await send(on, body);
  expect(seen).toEqual(expected);
  const after = await responsesCounted(on);
  const key = `${expected.status} ${expected.code}`;
  return (after.get(key) ?? 0) - (before.get(key) ?? 0);
}

const persisted = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

describe('refusals in the metrics', () => {
  it("counts the gateway's own 429", async () => {
    expect((await send(limited, { query: '{ __typename }' })).status).toBe(200);
    expect(await countedOnce(limited, { query: '{ __typename }' }, { status: 429, code: 'RATE_LIMITED' })).toBe(1);
  });

  it('counts a body over the limit (413)', async () => {
    const query = `{ __typename ${' '.repeat(3000)}}`;
    expect(await countedOnce(stack, { query }, { status: 413, code: 'BAD_USER_INPUT' })).toBe(1);
  });

  it('counts a body that is not JSON (400)', async () => {
    expect(await countedOnce(stack, '{"query": ', { status: 400, code: 'BAD_USER_INPUT' })).toBe(1);
  });

  it('counts a persisted-query miss (404) and a hash mismatch (400)', async () => {
    const hash = sha256Hex('{ baseModels { id } }');
    expect(
      await countedOnce(stack, { extensions: persisted(hash) }, { status: 404, code: 'PERSISTED_QUERY_NOT_FOUND' }),
    ).toBe(1);
    const mismatch = { query: '{ __typename }', extensions: persisted(hash) };
    expect(await countedOnce(stack, mismatch, { status: 400, code: 'BAD_USER_INPUT' })).toBe(1);
  });

  it('counts an operation limit', async () => {
    const deep = { query: '{ jobs { edges { node { dataset { name } } } } }' };
    const before = await responsesCounted(stack);
    const seen = await send(stack, deep);
    expect(seen.code).toBe('OPERATION_LIMIT_EXCEEDED');
    const after = await responsesCounted(stack);
    const key = `${seen.status} OPERATION_LIMIT_EXCEEDED`;
    expect((after.get(key) ?? 0) - (before.get(key) ?? 0)).toBe(1);
  });

  it('counts answers too, as `none`', async () => {
    expect(await countedOnce(stack, { query: '{ __typename }' }, { status: 200, code: 'none' })).toBe(1);
  });
});
