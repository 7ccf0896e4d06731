/**
 * Label slots go to requests whose caller the upstream accepted, and that proof is the request's own
 * (src/telemetry/proven-requests.ts). An operator trial took slots without credentials by reusing the
 * `X-Request-Id` of a request the upstream had accepted: the proof was keyed by that id, which the
 * client chooses, so `Hijack1..3` (no credentials) got series of their own beside `Legit1`. Over
 * WebSocket, an upgrade request sending that id did the same. The client's id is still echoed and logged.
 * The claims on ids are bounded, yet an id a live poller still answers for is never free to claim anew.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import { provenRequests, type ProvenRequests } from '../../src/telemetry/proven-requests.js';
import type { Credentials } from '../../src/upstream/types.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';
import { subscribeWs } from '../harness/ws.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ http: true, gateway: { metrics: createGatewayMetrics({ processMetrics: false }) } });
});
afterAll(() => stack?.close());

/** POSTs `query` with `X-Request-Id: requestId` (none when undefined), as `creds` (none when null). */
async function post(query: string, requestId: string | undefined, creds: Credentials | null) {
  const response = await fetch(`${stack.server!.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
      ...(creds ? headersFor(creds) : {}),
    },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  return { id: response.headers.get('x-request-id'), body };
}

/** The operation names `gateway_graphql_requests_total` has series for, as scraped. */
async function countedNames(): Promise<string[]> {
  const text = await (await fetch(stack.metricsServer!.url)).text();
  const names = text
    .split('\n')
    .filter((line) => line.startsWith('gateway_graphql_requests_total{'))
    .map((line) => /operationName="([^"]*)"/.exec(line)![1]!);
  return [...new Set(names)].sort();
}

describe('the proof that lets a request take label slots', () => {
  it('is not borrowed by anonymous requests that send the X-Request-Id of an accepted one', async () => {
    const id = `fixed-${randomUUID()}`;
    const legit = await post('query Legit1 { jobs(first: 1) { totalCount } }', id, DEMO);
    expect(legit.body.errors).toBeUndefined();
    for (let i = 1; i <= 3; i++) {
      const hijack = await post(`query Hijack${i} { __typename }`, id, null);
      expect(hijack.body.errors).toBeUndefined();
      // Still the client's id, echoed.
      expect(hijack.id).toBe(id);
    }
    const names = await countedNames();
    expect(names).toContain('Legit1');
    expect(names).toContain('other');
    expect(names.filter((name) => name.startsWith('Hijack'))).toEqual([]);
  });

  it('is not borrowed over WebSocket by an upgrade request that sends that id', async () => {
    const id = `ws-${randomUUID()}`;
    expect((await post('query LegitWs { jobs(first: 1) { totalCount } }', id, DEMO)).body.errors).toBeUndefined();
    class WithId extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { 'x-request-id': id } });
      }
    }
    const client = createClient({
      url: `${stack.server!.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WithId,
      retryAttempts: 0,
    });
    try {
      const refused = subscribeWs(client, 'subscription WsHijack { jobUpdated(id: "job-nope") { id } }', {});
      await refused.done.catch(() => undefined);
      expect(refused.events.map((event) => event.errors?.[0]?.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);
    } finally {
      await client.dispose();
    }
    const names = await countedNames();
    expect(names).toContain('LegitWs');
    expect(names).not.toContain('WsHijack');
  });

  it('is still each accepted request’s own: with its own id, or none (a generated one)', async () => {
    expect(
      (await post('query OwnId { jobs(first: 1) { totalCount } }', `own-${randomUUID()}`, DEMO)).body.errors,
    ).toBeUndefined();
    expect((await post('query NoId { jobs(first: 1) { totalCount } }', undefined, DEMO)).body.errors).toBeUndefined();
    expect((await post('query Anonymous1 { __typename }', undefined, null)).body.errors).toBeUndefined();
    const names = await countedNames();
    expect(names).toContain('OwnId');
    expect(names).toContain('NoId');
    expect(names).not.toContain('Anonymous1');
  });

  it('is not given to a request that reuses an id already claimed, even with credentials', async () => {
    const id = `reused-${randomUUID()}`;
    expect((await post('query FirstUse { jobs(first: 1) { totalCount } }', id, DEMO)).body.errors).toBeUndefined();
    expect((await post('query SecondUse { jobs(first: 1) { totalCount } }', id, DEMO)).body.errors).toBeUndefined();
    const names = await countedNames();
    expect(names).toContain('FirstUse');
    expect(names).not.toContain('SecondUse');
  });
});

describe('the claims on request ids, bounded', () => {
  /** One exchange for `requestId` answered `status`. */
  const answer = (proven: ProvenRequests, requestId: string, status: number) =>
    proven.observer.start({ method: 'GET', route: '/jobs', attempt: 1, requestId })?.end({ status });

  it('keep an id still answered (a live poller’s) from being claimed anew once older claims are forgotten', () => {
    const proven = provenRequests(4);
    const first = proven.claim('poller-id');
    answer(proven, 'poller-id', 200);
    expect(first.proven).toBe(true);
    // Many requests later, the poller the first request started still polls with its id.
    for (let i = 0; i < 20; i++) {
      proven.claim(`other-${i}`);
      answer(proven, 'poller-id', 200);
    }
    const later = proven.claim('poller-id');
    answer(proven, 'poller-id', 200);
    expect(later.proven).toBe(false);
  });

  it('forget an id nobody answers any more, which a later request may then claim', () => {
    const proven = provenRequests(4);
    proven.claim('quiet-id');
    for (let i = 0; i < 8; i++) proven.claim(`other-${i}`);
    const later = proven.claim('quiet-id');
    answer(proven, 'quiet-id', 200);
    expect(later.proven).toBe(true);
  });

  it('prove an id no request claimed by itself (a WebSocket connection’s), which no request may claim then', () => {
    const proven = provenRequests();
    answer(proven, 'socket-id', 200);
    answer(proven, 'refused-id', 401);
    expect([proven.has('socket-id'), proven.has('refused-id')]).toEqual([true, false]);
    const claimed = proven.claim('socket-id');
    answer(proven, 'socket-id', 200);
    expect(claimed.proven).toBe(false);
  });
});
