/**
 * Operation names and paths are the client's text, of any length: bounded where the gateway keeps or
 * writes them. An operator trial named operations with 500 kB each: three such requests made `/metrics`
 * 46.5 MB (each admitted name is copied into every series of every metric it labels), forty made the
 * scrape fail; and a request without credentials wrote a 900 kB info line with its operation name.
 *
 * Now a name longer than 100 characters never has a series of its own: it is counted as `other`, on
 * yoga's path and the response cache's fast hits alike, even when vouched for up front (the trusted
 * documents' names). On log lines, a name past 100 characters and a path past 200 are cut, saying
 * how many characters were left out.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import type { Credentials } from '../../src/upstream/types.js';
import { ACME_1, CACHE_TENANTS, LONG_TTLS } from '../harness/response-cache.js';
import { headersFor, startStack, type Stack } from '../harness/stack.js';

const lines: string[] = [];
/** 101 characters, admitted up front as the trusted documents' names are. */
const VOUCHED = `Vouched${'x'.repeat(94)}`;
let stack: Stack;

beforeAll(async () => {
  const metrics = createGatewayMetrics({ processMetrics: false, responseCache: true });
  metrics.operationName.admit([VOUCHED]);
  stack = await startStack({
    http: true,
    logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
    simulator: { tenants: CACHE_TENANTS },
    responseCache: { policy: LONG_TTLS },
    gateway: { metrics },
  });
});
afterAll(() => stack?.close());

/** Sends `init` to `path` with a request id of its own: its status and its request log line. */
async function send(path: string, init: RequestInit = {}, creds: Credentials | null = ACME_1) {
  const requestId = `bounds-${randomUUID()}`;
  const headers = { 'x-request-id': requestId, ...(creds ? headersFor(creds) : {}) };
  const response = await fetch(`${stack.server!.url}${path}`, { ...init, headers: { ...init.headers, ...headers } });
  await response.text();
  const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['requestId'] === requestId);
  return { status: response.status, line, raw: lines.find((l) => l.includes(`"requestId":"${requestId}"`)) };
}

/** POSTs `body` (JSON) to /graphql as `creds`. */
const post = (body: object, creds: Credentials | null = ACME_1) =>
  send(
    '/graphql',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    creds,
  );

const scrape = async () => (await fetch(stack.metricsServer!.url)).text();

/** The value of the series `key` (`name{labels}`) in `text`, 0 while absent. */
const valueOf = (text: string, key: string) =>
  Number(
    text
      .split('\n')
      .find((line) => line.startsWith(`${key} `))
      ?.slice(key.length + 1) ?? 0,
  );

const OTHER_QUERIES = 'gateway_graphql_requests_total{operationName="other",operationType="query"}';
const HITS = 'gateway_response_cache_answers_total{result="hit"}';

describe('operation names as metric labels', () => {
  it('are admitted up to 100 characters; a longer one is `other`, through yoga, a fast hit, or vouched for', async () => {
    const fits = `Fits${'x'.repeat(96)}`;
    const long = `Long${'x'.repeat(97)}`;
    const before = await scrape();
    const longQuery = { query: `query ${long} { datasets { id name } }`, operationName: long };
    const miss = await post(longQuery);
    const hit = await post(longQuery);
    expect([miss.status, hit.status]).toEqual([200, 200]);
    expect(miss.line?.['cache']).toBeUndefined();
    expect(hit.line?.['cache']).toBe('hit');
    expect((await post({ query: `query ${VOUCHED} { datasets { id } }` })).status).toBe(200);
    expect((await post({ query: `query ${fits} { datasets { name } }` })).status).toBe(200);

    const after = await scrape();
    expect(after).toContain(`operationName="${fits}"`);
    expect(after).not.toContain(long);
    expect(after).not.toContain(VOUCHED);
    // The miss, the hit answered before yoga, and the vouched-for name.
    expect(valueOf(after, OTHER_QUERIES) - valueOf(before, OTHER_QUERIES)).toBe(3);
    expect(valueOf(after, HITS) - valueOf(before, HITS)).toBe(1);
  });

  it('keep the scrape small after requests named with 100,000 characters each', async () => {
    const before = (await scrape()).length;
    for (let i = 0; i < 3; i++) {
      const name = `Huge${i}${'x'.repeat(100_000)}`;
      expect((await post({ query: `query ${name} { jobs(first: 1) { totalCount } }` })).status).toBe(200);
    }
    expect((await scrape()).length - before).toBeLessThan(10_000);
  });
});

describe('client text on log lines', () => {
  it('cuts an operation name past 100 characters, saying how many were left out, sent or parsed', async () => {
    const sent = await post({ query: '{ __typename }', operationName: 'A'.repeat(5000) }, null);
    expect(sent.line).toMatchObject({ msg: 'request', operationName: `${'A'.repeat(100)}…(+4900 characters)` });
    const parsed = await post({ query: `query ${'B'.repeat(5000)} { __typename }` }, null);
    expect(parsed.status).toBe(200);
    expect(parsed.line).toMatchObject({ msg: 'request', operationName: `${'B'.repeat(100)}…(+4900 characters)` });
    for (const { raw } of [sent, parsed]) expect(raw!.length).toBeLessThan(1000);
  });

  it('cuts it on the line of a hit answered before yoga too', async () => {
    const name = `Cached${'y'.repeat(200)}`;
    const query = { query: `query ${name} { datasets { id } }`, operationName: name };
    expect((await post(query)).line?.['cache']).toBeUndefined();
    const hit = await post(query);
    expect(hit.line).toMatchObject({ cache: 'hit', operationName: `${name.slice(0, 100)}…(+106 characters)` });
    expect(hit.raw!.length).toBeLessThan(1000);
  });

  it('cuts a path past 200 characters', async () => {
    const path = `/${'p'.repeat(1000)}`;
    const answer = await send(path, {}, null);
    expect(answer.status).toBe(404);
    expect(answer.line).toMatchObject({ msg: 'request', path: `/${'p'.repeat(199)}…(+801 characters)` });
  });

  it('leaves names and paths within their bounds whole', async () => {
    const name = `Whole${'z'.repeat(95)}`;
    const answer = await post({ query: `query ${name} { __typename }` }, null);
    expect(answer.line).toMatchObject({ path: '/graphql', operationName: name });
  });
});
