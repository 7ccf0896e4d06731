/**
 * What one request may make the gateway's redactor hold is bounded (src/server/request-secrets.ts),
 * and finding a document's inline secrets takes time linear in it: both run on every request, before
 * any other limit.
 *
 * Regressions (attacker trial): 60,000 strings under an undeclared variable named `token` (780 KB, no
 * credentials needed) were all held, each scrubbed from every log line of every caller, for as long as
 * an SSE stream stayed open: every other caller waited about 4 s per request. And an anonymous query
 * of 8 KB of `token` froze the gateway 53 s in the expression that looked for inline secrets.
 */
import { Writable } from 'node:stream';
import { createClient } from 'graphql-ws';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_REQUEST_SECRETS } from '../../src/server/request-secrets.js';
import { ACME_1, CACHE_TENANTS, LONG_TTLS } from '../harness/response-cache.js';
import { DEMO, headersFor, OTHER, startStack, type Stack } from '../harness/stack.js';
import { subscribeWs, wsClient, type WsSubscription } from '../harness/ws.js';

let stack: Stack;
const lines: string[] = [];
beforeAll(async () => {
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  stack = await startStack({ logger, http: true });
});
afterAll(() => stack.close());

const post = (body: unknown, { accept = 'application/json', creds = DEMO as typeof DEMO | null } = {}) =>
  stack.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...(creds ? headersFor(creds) : {}) },
    body: JSON.stringify(body),
  });

/** The trial's strings: distinct, 10 characters each, none a credential. */
const strings = (n: number) => Array.from({ length: n }, (_, i) => `x${i.toString(36).padStart(9, '0')}`);

const REFUSAL = {
  errors: [
    {
      message: expect.stringContaining(`at most ${MAX_REQUEST_SECRETS} distinct ones`),
      extensions: { code: 'BAD_USER_INPUT' },
    },
  ],
};

describe('the secrets one request may hold', () => {
  it('60,000 strings under an undeclared variable named token: refused (400), none held, nothing logged as an error', async () => {
    const token = strings(60_000);
    const response = await post({ query: '{ __typename }', variables: { token } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(REFUSAL);
    expect(stack.gateway.redactor.scrub(token[7]!)).toBe(token[7]);
    expect(lines.filter((l) => JSON.parse(l).level >= 50)).toEqual([]);
    // Another caller, right after, as ever.
    const other = await post({ query: '{ __typename }' }, { creds: OTHER });
    expect(await other.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('a subscription over SSE carrying too many is refused before it streams, holding none', async () => {
    const token = strings(MAX_REQUEST_SECRETS + 1);
    const response = await post(
      { query: 'subscription { jobsUpdated { id } }', variables: { token } },
      { accept: 'text/event-stream' },
    );
    expect(response.status).toBe(400);
    const text = await response.text(); // the stream ends: nothing is left open to hold them
    expect(text).toContain('Too many secrets');
    expect(text).toContain('event: complete');
    for (const s of token) expect(stack.gateway.redactor.scrub(s)).toBe(s);
  });

  it(`${MAX_REQUEST_SECRETS} secrets, as many as one operation may carry, in variables and inline: run as ever`, async () => {
    const token = strings(MAX_REQUEST_SECRETS - 1);
    const inline = 'hf_inline_secret_9Qz';
    const response = await post({
      query: `{ __typename a: __typename # accessToken: "${inline}"\n }`,
      variables: { token },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query', a: 'Query' } });
  });

  it.each([
    ['a mebibyte of `token`', 'token'.repeat(200_000)],
    ['`token` and then ` #`, 500,000 times', `token${' #'.repeat(500_000)}`],
    ['`token` with white space and commas, no colon', 'token ,\t'.repeat(110_000)],
  ])('an anonymous query of %s is answered, its inline secrets found in one pass', async (_, query) => {
    const response = await post({ query }, { creds: null });
    const answer = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(answer.errors?.[0]?.extensions?.code).toBeDefined();
    const other = await post({ query: '{ __typename }' }, { creds: OTHER });
    expect(await other.json()).toEqual({ data: { __typename: 'Query' } });
  });

  /**
   * What a refused WebSocket operation ends with: its refusal (graphql-ws's error message, as the
   * error's message here), or its socket closed (graphql-ws's answer to a throw: a close code).
   */
  const outcome = (sub: WsSubscription) =>
    sub.done.then(
      () => ({ events: sub.events, code: undefined as number | undefined, message: '' }),
      (error: Error & { code?: number }) => ({ events: sub.events, code: error.code, message: error.message }),
    );

  it('a WebSocket operation carrying too many is refused before it runs, holding none', async () => {
    const token = strings(MAX_REQUEST_SECRETS + 1);
    const client = wsClient(stack.server!.url, DEMO);
    try {
      const { events, code, message } = await outcome(
        subscribeWs(client, 'subscription { jobsUpdated { id } }', { token }),
      );
      expect(events.filter((e) => e.data)).toEqual([]);
      if (code === undefined) expect(message).toContain('BAD_USER_INPUT');
      for (const s of token) expect(stack.gateway.redactor.scrub(s)).toBe(s);
    } finally {
      await client.dispose();
    }
  });

  it('a WebSocket whose connectionParams carry too many runs nothing, holding none', async () => {
    const authToken = strings(MAX_REQUEST_SECRETS + 1);
    const client = createClient({
      url: `${stack.server!.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${DEMO.token}`, organizationId: DEMO.organizationId, authToken },
    });
    try {
      const { events, code } = await outcome(subscribeWs(client, 'subscription { jobsUpdated { id } }', {}));
      expect(events.filter((e) => e.data)).toEqual([]);
      expect(code).toBeDefined(); // the socket is closed
      for (const s of authToken) expect(stack.gateway.redactor.scrub(s)).toBe(s);
    } finally {
      await client.dispose();
    }
  });
});

/** The response cache answers hits in front of yoga (fast-hits.ts), reading each body's secrets first. */
describe('the secrets of a request the response cache reads first', () => {
  let caching: Stack;
  const cacheLines: string[] = [];
  beforeAll(async () => {
    caching = await startStack({
      logger: pino({ level: 'info' }, { write: (line: string) => void cacheLines.push(line) }),
      http: true,
      simulator: { tenants: CACHE_TENANTS },
      responseCache: { policy: LONG_TTLS },
    });
  });
  afterAll(() => caching.close());

  const send = async (body: unknown) => {
    const response = await fetch(`${caching.server!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersFor(ACME_1) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('too many are refused (400) as through yoga; a query of 60 KB of `token` is answered', async () => {
    const query = 'query Datasets { datasets { id name } }';
    expect((await send({ query })).status).toBe(200);
    expect(await send({ query, variables: { token: strings(MAX_REQUEST_SECRETS + 1) } })).toEqual({
      status: 400,
      body: REFUSAL,
    });
    const long = await send({ query: 'token'.repeat(12_000) });
    expect(long.body['errors']).toBeDefined();
    expect((await send({ query })).status).toBe(200);
    expect(cacheLines.filter((l) => JSON.parse(l).level >= 40)).toEqual([]);
  });
});
