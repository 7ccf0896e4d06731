/**
 * Deeply nested JSON is refused from its text, before `JSON.parse` builds it. Found in a trial: a body
 * under MAX_REQUEST_BODY_BYTES of 400,000 nested brackets in `extensions` (checked by no rule) cost
 * 0.6 s of the event loop per request and was answered 200; the same in a WebSocket's
 * `connection_init`, before any credentials. Every way a client's JSON reaches a parser is tried: a
 * JSON body (with a Content-Length, chunked, small enough for the response cache's fast hits), a batch,
 * a form, a GET's query string, a multipart `operations` field and a WebSocket message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

const brackets = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const QUERY = '{ providers { name } }';

let stack: Stack;
let metrics: GatewayMetrics;
let url: string;
beforeAll(async () => {
  metrics = createGatewayMetrics({ processMetrics: false });
  stack = await startStack({ http: true, gateway: { metrics } });
  url = stack.server!.url;
});
afterAll(() => stack.close());

async function refusals(limit: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric('gateway_requests_refused_by_limit_total')!.get();
  return metric.values.find((v) => v.labels['limit'] === limit)?.value ?? 0;
}

async function post(body: BodyInit, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { ...headersFor(DEMO), ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const tooDeep = (field: string | null) => ({
  status: 400,
  body: {
    errors: [
      {
        message: `${field === null ? 'The request body is' : `${field}:`} nested more than 64 levels deep (objects and arrays); no request of this API goes deeper than a few.`,
        extensions: { code: 'BAD_USER_INPUT', ...(field === null ? {} : { field }) },
      },
    ],
  },
});
const variablesTooDeep = {
  status: 400,
  body: {
    errors: [
      {
        message: 'variables: nested more than 32 levels deep; no input of this API goes deeper than a few.',
        extensions: { code: 'BAD_USER_INPUT', field: 'variables' },
      },
    ],
  },
};
const served = { status: 200, body: { data: { providers: [{ name: 'NSCALE' }, { name: 'TOGETHER' }] } } };

describe('a JSON body nested too deep', () => {
  it('400,000 brackets in extensions (the trial): 400 naming extensions, counted; a normal query still served', async () => {
    const before = await refusals('http_json_depth');
    const deep = `{"query":${JSON.stringify(QUERY)},"extensions":{"x":${brackets(400_000)}}}`;
    expect(await post(deep)).toEqual(tooDeep('extensions'));
    expect(await refusals('http_json_depth')).toBe(before + 1);
    expect(await post(JSON.stringify({ query: QUERY }))).toEqual(served);
  });

  it('in variables: answered with the variables rule', async () => {
    const deep = `{"query":"query($x: ID!) { job(id: $x) { id } }","variables":{"x":${brackets(100_000)}}}`;
    expect(await post(deep)).toEqual(variablesTooDeep);
  });

  it('small enough for the fast hits (a cached query first): refused, not answered from the cache', async () => {
    expect(await post(JSON.stringify({ query: QUERY }))).toEqual(served);
    expect(await post(`{"query":${JSON.stringify(QUERY)},"extensions":{"x":${brackets(10_000)}}}`)).toEqual(
      tooDeep('extensions'),
    );
  });

  it('the body as a whole, and a batch', async () => {
    expect(await post(brackets(1_000))).toEqual(tooDeep(null));
    expect(await post(`[{"query":${JSON.stringify(QUERY)},"extensions":${brackets(1_000)}}]`)).toEqual(
      tooDeep('extensions'),
    );
  });

  it('chunked (no Content-Length)', async () => {
    const text = new TextEncoder().encode(`{"query":${JSON.stringify(QUERY)},"extensions":{"x":${brackets(50_000)}}}`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(text.subarray(0, 1000));
        controller.enqueue(text.subarray(1000));
        controller.close();
      },
    });
    expect(await post(stream)).toEqual(tooDeep('extensions'));
  });

  it('brackets inside strings, escaped quotes included, are no nesting', async () => {
    const variables = { x: `\\"${'['.repeat(10_000)}"\\\\` };
    const query = 'query($x: ID!) { job(id: $x) { id } }';
    const answer = await post(JSON.stringify({ query, variables }));
    expect(answer.status).toBe(200); // the job is not found: answered, not refused for its nesting
    expect(JSON.stringify(answer.body)).not.toContain('levels deep');
  });

  it('a form and a GET: their variables and extensions', async () => {
    const form = new URLSearchParams({ query: QUERY, extensions: `{"x":${brackets(1_000)}}` }).toString();
    expect(await post(form, { 'content-type': 'application/x-www-form-urlencoded' })).toEqual(tooDeep('extensions'));
    const search = new URLSearchParams({ query: QUERY, variables: `{"x":${brackets(1_000)}}` });
    const res = await fetch(`${url}/graphql?${search}`, {
      headers: { ...headersFor(DEMO), accept: 'application/json' },
    });
    expect({ status: res.status, body: await res.json() }).toEqual(variablesTooDeep);
  });

  it('a multipart request: its operations field', async () => {
    const form = new FormData();
    form.set('operations', `{"query":${JSON.stringify(QUERY)},"extensions":{"x":${brackets(5_000)}}}`);
    form.set('map', '{}');
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: headersFor(DEMO), body: form });
    expect({ status: res.status, body: await res.json() }).toEqual(tooDeep('extensions'));
  });
});

describe('a WebSocket message nested too deep', () => {
  const open = async () => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    const messages: unknown[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    return { socket, closed, messages };
  };

  it('connection_init of 400,000 brackets: closed with 4400 before any credentials, counted; another socket still served', async () => {
    const before = await refusals('ws_json_depth');
    const attacker = await open();
    attacker.socket.send(`{"type":"connection_init","payload":{"x":${brackets(400_000)}}}`);
    expect(await attacker.closed).toEqual({ code: 4400, reason: 'Message nested more than 64 levels deep' });
    expect(attacker.messages).toEqual([]);
    expect(await refusals('ws_json_depth')).toBe(before + 1);

    const client = await open();
    client.socket.send(
      JSON.stringify({
        type: 'connection_init',
        payload: { authorization: `Bearer ${DEMO.token}`, organizationId: DEMO.organizationId },
      }),
    );
    await expect.poll(() => client.messages.length, { timeout: 10_000 }).toBe(1); // the ack, before any subscribe
    client.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } }));
    await expect.poll(() => client.messages.length, { timeout: 10_000 }).toBe(3);
    expect(client.messages).toEqual([
      { type: 'connection_ack' },
      { id: '1', type: 'next', payload: served.body },
      { id: '1', type: 'complete' },
    ]);
    client.socket.close();
  });

  it('a subscribe message after connection_init: closed with 4400', async () => {
    const attacker = await open();
    attacker.socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    attacker.socket.send(
      `{"id":"1","type":"subscribe","payload":{"query":"{a}","variables":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}}`,
    );
    expect((await attacker.closed).code).toBe(4400);
  });
});
