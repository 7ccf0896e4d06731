/** X-Request-Id: taken or generated, echoed, on the request's log lines, and sent to the upstream. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { gatewayOnClient } from '../harness/gateway-on-client.js';
import { requestIdToUpstream } from '../../src/telemetry/request-scope.js';
import { createUpstreamClient, type ClosableUpstreamClient } from '../../src/upstream/client.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let client: ClosableUpstreamClient;
let gateway: Gateway;
let closeGateway: () => Promise<void>;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  stack = await startStack();
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  client = createUpstreamClient({
    baseUrl: stack.simulator.apiBaseUrl,
    observer: requestIdToUpstream,
    logger: logger.child({ component: 'upstream' }),
    retry: { maxAttempts: 1 },
  });
  const composed = await gatewayOnClient(client, { logger, env: { BASE_MODEL_CACHE_SECONDS: '0' } });
  gateway = composed.gateway;
  closeGateway = composed.close;
});
afterAll(async () => {
  await closeGateway();
  await client.close();
  await stack.close();
});

const ask = (requestId?: string) =>
  gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...headersFor(DEMO),
      ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
    },
    body: JSON.stringify({ query: 'query Ids { baseModels { id } job(id: "job-404") { id } }' }),
  });

describe('request ids', () => {
  it("takes the caller's id: echoed, on the request's log lines, and on each upstream request", async () => {
    stack.simulator.resetStats();
    const response = await ask('req-42.a:b_c-d');
    expect(response.headers.get('x-request-id')).toBe('req-42.a:b_c-d');
    const body = (await response.json()) as { errors?: Array<{ extensions: { code: string } }> };
    expect(body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');

    expect(lines.find((l) => l.msg === 'request' && l.operationName === 'Ids')).toMatchObject({
      requestId: 'req-42.a:b_c-d',
      status: 200,
    });
    const received = stack.simulator.recentRequests();
    expect(received.map((r) => r.route).sort()).toEqual(['GET /base-models', 'GET /jobs/{id}']);
    expect(received.every((r) => r.requestId === 'req-42.a:b_c-d')).toBe(true);
    // Without tracing, no traceparent is invented.
    expect(received.every((r) => r.traceparent === null)).toBe(true);
  });

  it('replaces a malformed id with a generated one, and generates one when none is sent', async () => {
    for (const presented of ['has space', 'x'.repeat(129), 'new\nline', '', undefined]) {
      stack.simulator.resetStats();
      const response = await ask(presented);
      const id = response.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(id).not.toBe(presented);
      expect(stack.simulator.recentRequests().every((r) => r.requestId === id)).toBe(true);
      expect(lines.filter((l) => l.requestId === id && l.msg === 'request')).toHaveLength(1);
    }
    const longest = 'a'.repeat(128);
    expect((await ask(longest)).headers.get('x-request-id')).toBe(longest);
  });

  it("puts the id on lines logged by other loggers within the request (the upstream client's), once", async () => {
    stack.simulator.setFaults({ route: 'GET /base-models', error: { status: 503, rate: 1 } });
    try {
      await ask('upstream-line');
    } finally {
      stack.simulator.setFaults({});
    }
    const upstreamLine = lines.find((l) => l.component === 'upstream' && l.requestId === 'upstream-line');
    expect(upstreamLine).toMatchObject({ msg: 'upstream call failed', status: 503 });
  });
});
