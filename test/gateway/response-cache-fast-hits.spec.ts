/**
 * Cache hits answered before yoga (src/server/response-cache/fast-hits.ts), over real HTTP: a hit
 * answered there has the bytes, the status and the headers the same hit has through yoga's pipeline
 * (asked at `/graphql?via=yoga`, which the fast path leaves to yoga), its log line says so, and
 * everything it does not answer reaches yoga as if it had not been there: a miss (its body already
 * read), malformed JSON, a batch, a persisted query, a large body. A client that leaves mid-body costs
 * nothing. A hit spends the caller's rate limit like any operation; refused, it is refused by yoga;
 * so is a hit to a caller whose CALLER_MAX_OPERATIONS are all running.
 * (Isolation and eviction over HTTP: response-cache.spec.ts runs its specs over both transports.)
 */
import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME_1, ACME_2, CACHE_TENANTS, LONG_TTLS } from '../harness/response-cache.js';
import { eventually, headersFor, startStack, type Stack } from '../harness/stack.js';
import type { Credentials } from '../../src/upstream/types.js';

const lines: string[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
let stack: Stack;

/** A gateway over HTTP with long-lived cached answers, logging to `lines`, with `env` over the defaults. */
const cachingStack = (env?: Record<string, string>) =>
  startStack({ http: true, logger, simulator: { tenants: CACHE_TENANTS }, responseCache: { policy: LONG_TTLS }, env });

beforeAll(async () => {
  stack = await cachingStack();
});
afterAll(() => stack.close());

interface Sent {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Upstream requests made for it (by its request id). */
  calls: number;
  /** Its request log line. */
  line: Record<string, unknown> | undefined;
}

async function post(
  on: Stack,
  body: string,
  options: { creds?: Credentials; headers?: Record<string, string>; path?: string } = {},
): Promise<Sent> {
  const requestId = `fh-${randomUUID()}`;
  const response = await fetch(`${on.server!.url}${options.path ?? '/graphql'}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-request-id': requestId,
      ...headersFor(options.creds ?? ACME_1),
      ...options.headers,
    },
    body,
  });
  const text = await response.text();
  const calls = on.simulator.recentRequests().filter((r) => r.requestId === requestId).length;
  const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['requestId'] === requestId);
  return { status: response.status, headers: Object.fromEntries(response.headers), text, calls, line };
}

/** The headers that differ between any two responses, whoever answers: its date, id and connection. */
const comparable = (headers: Record<string, string>) => {
  const { date: _date, 'x-request-id': _id, connection: _c, 'keep-alive': _k, ...rest } = headers;
  return rest;
};

/**
 * A query whose answer is cached: one asking the upstream itself (GET /datasets), as an answer must
 * have for the cache to keep it (the upstream accepted the caller during its operation).
 */
const QUERY = 'query Datasets { datasets { id name } }';
const DATASETS = JSON.stringify({ query: QUERY, operationName: 'Datasets' });

describe('cache hits answered before yoga', () => {
  it('answer as yoga would: the same bytes and headers, for each Accept yoga answers with JSON', async () => {
    const miss = await post(stack, DATASETS);
    expect(miss.status).toBe(200);
    expect(miss.line).toMatchObject({ status: 200, operation: 'query', operationName: 'Datasets' });
    expect(miss.line?.['cache']).toBeUndefined();
    for (const accept of [undefined, 'application/json', '*/*', 'application/graphql-response+json']) {
      const headers: Record<string, string> = accept ? { accept } : {};
      const fast = await post(stack, DATASETS, { headers });
      const viaYoga = await post(stack, DATASETS, { headers, path: '/graphql?via=yoga' });
      expect(fast.line).toMatchObject({ status: 200, operation: 'query', operationName: 'Datasets', cache: 'hit' });
      expect(viaYoga.line?.['cache']).toBeUndefined();
      expect([fast.calls, viaYoga.calls]).toEqual([0, 0]);
      expect(fast.status).toBe(viaYoga.status);
      expect(fast.text).toBe(miss.text);
      expect(viaYoga.text).toBe(miss.text);
      expect(comparable(fast.headers)).toEqual(comparable(viaYoga.headers));
      expect(fast.headers['content-type']).toBe(
        `${accept?.endsWith('+json') ? accept : 'application/json'}; charset=utf-8`,
      );
      expect(fast.headers['x-request-id']).toMatch(/^fh-/);
    }
  });

  it('serves a hit only to its own caller: another token of the organization asks the upstream', async () => {
    const query = JSON.stringify({ query: '{ jobs(first: 5) { totalCount } }' });
    expect((await post(stack, query, { creds: ACME_1 })).calls).toBe(1);
    expect((await post(stack, query, { creds: ACME_1 })).line?.['cache']).toBe('hit');
    const sibling = await post(stack, query, { creds: ACME_2 });
    expect(sibling.calls).toBe(1);
    expect(sibling.line?.['cache']).toBeUndefined();
    const stranger = await post(stack, query, { creds: { token: 'not-a-token', organizationId: 'acme' } });
    expect(stranger.calls).toBe(1);
    expect(JSON.parse(stranger.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('hands on to yoga what it does not answer, which yoga answers as without it', async () => {
    await post(stack, DATASETS); // cached
    const bodies = [
      '{"query": "{ datasets { id } ', // not JSON
      `[${DATASETS},${DATASETS}]`, // a batch
      JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } }),
      JSON.stringify({ query: QUERY, operationName: 7 }),
      JSON.stringify({
        query: `${QUERY}${' '.repeat(70_000)}`,
        operationName: 'Datasets',
      }),
    ];
    for (const body of bodies) {
      const handedOn = await post(stack, body);
      const viaYoga = await post(stack, body, { path: '/graphql?via=yoga' });
      expect(handedOn.line?.['cache']).toBeUndefined();
      expect(handedOn.status).toBe(viaYoga.status);
      expect(handedOn.text).toBe(viaYoga.text);
    }
  });

  it('costs nothing when the client leaves before its body is sent: the next request is answered', async () => {
    const url = new URL(stack.server!.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          'POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"query":',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
      socket.on('error', reject);
    });
    const after = await post(stack, DATASETS);
    expect(after.status).toBe(200);
    expect(after.text).toContain('datasets');
  });
});

describe('cache hits answered before yoga, under the rate limit', () => {
  let limited: Stack;
  beforeAll(async () => {
    limited = await cachingStack({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_POINTS: '3' });
  });
  afterAll(() => limited.close());

  it('spends a point per hit, and a hit past the quota is refused with RATE_LIMITED, not served', async () => {
    expect((await post(limited, DATASETS)).status).toBe(200); // stored: 1 point
    expect((await post(limited, DATASETS)).line?.['cache']).toBe('hit'); // 2
    expect((await post(limited, DATASETS)).line?.['cache']).toBe('hit'); // 3
    const refused = await post(limited, DATASETS);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(JSON.parse(refused.text).errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limitedBy: 'gateway' });
    expect(refused.line).toMatchObject({ status: 429 });
    // Another caller has its own quota, and its own answer.
    const other = await post(limited, DATASETS, { creds: ACME_2 });
    expect(other.status).toBe(200);
    expect(other.line?.['cache']).toBeUndefined();
  });
});

describe('cache hits answered before yoga, under CALLER_MAX_OPERATIONS', () => {
  let bounded: Stack;
  beforeAll(async () => {
    bounded = await cachingStack({ CALLER_MAX_OPERATIONS: '1' });
  });
  afterAll(() => bounded.close());

  it('refuses a hit to a caller whose operations are all running, as yoga refuses any operation', async () => {
    expect((await post(bounded, DATASETS)).status).toBe(200); // stored
    bounded.simulator.setFaults({ route: 'GET /datasets', latencyMs: 1_500 });
    try {
      const slow = post(bounded, JSON.stringify({ query: '{ datasets { id } }' }));
      await eventually(
        () => (bounded.simulator.recentRequests().some((r) => r.route === 'GET /datasets') ? true : undefined),
        10_000,
        'the slow operation to reach the upstream',
      );
      const refused = await post(bounded, DATASETS);
      expect(refused.status).toBe(429);
      expect(refused.line?.['cache']).toBeUndefined();
      expect(JSON.parse(refused.text).errors[0].message).toMatch(/already has 1 operations running/);
      expect((await slow).status).toBe(200);
    } finally {
      bounded.simulator.setFaults({});
    }
    expect((await post(bounded, DATASETS)).line?.['cache']).toBe('hit');
  });
});
