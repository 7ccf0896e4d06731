/**
 * Every GraphQL operation is counted once in `gateway_graphql_requests_total`, on every transport, and
 * every error it answers once in `gateway_graphql_errors_total`, by code, refusals made before
 * execution included. Before, a WebSocket `jobUpdated` subscription (executed on its group's context,
 * which envelop's counters never saw parsed) and every WebSocket refusal (NOT_FOUND, UNAUTHENTICATED,
 * BAD_USER_INPUT, the gateway's own RATE_LIMITED) moved neither counter, so a WebSocket client refused
 * by the rate limit showed up nowhere; the alias limit's OPERATION_LIMIT_EXCEEDED was counted as
 * GRAPHQL_VALIDATION_FAILED; the gateway's 429 over HTTP was in `gateway_http_responses_total` only; a
 * cache hit (before yoga or through it) was in no operation count.
 *
 * Each case scrapes the metrics listener before and after one operation and asserts every series of
 * the two counters that moved, and by how much: exactly one operation, exactly its errors, nothing twice.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import type { Credentials } from '../../src/upstream/types.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { LONG_TTLS } from '../harness/response-cache.js';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, OTHER, headersFor, startStack, type Stack } from '../harness/stack.js';
import { subscribeWs, wsClient } from '../harness/ws.js';

/** The names this spec's operations go by: admitted up front, so that their labels do not depend on timing. */
const NAMES = ['Datasets', 'SseOwn', 'SseOther', 'WsOwn', 'WsOther', 'WsNoCredentials', 'WsBadId', 'Aliased'];
const WATCH = (name: string) => `subscription ${name}($id: ID!) { jobUpdated(id: $id) { id status } }`;
const ALIASED = 'query Aliased { a: __typename b: __typename c: __typename }';

const lines: string[] = [];
let stack: Stack;
let limited: Stack;
let own: string;
let others: string;

beforeAll(async () => {
  const metrics = () => {
    const made = createGatewayMetrics({ processMetrics: false, responseCache: true });
    made.operationName.admit(NAMES);
    return made;
  };
  stack = await startStack({
    http: true,
    logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
    responseCache: { policy: LONG_TTLS },
    gateway: { metrics: metrics(), operationLimits: { maxAliases: 2 } },
  });
  limited = await startStack({
    http: true,
    sharedSimulator: stack.simulator,
    env: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_POINTS: '1' },
    gateway: { metrics: metrics() },
  });
  const job = async (creds: Credentials) => {
    const { datasetId } = await seedDataset(stack, creds);
    const input = { name: 'counted', baseModelId: LLAMA_INSTRUCT, dataset: { id: datasetId, answerColumn: 'answer' } };
    return (await stack.client.createJob(creds, input)).id;
  };
  own = await job(DEMO);
  others = await job(OTHER);
});
afterAll(async () => {
  await limited?.close();
  await stack?.close();
});

/** The scrape of `on`'s metrics listener: `name{labels}` → value. */
async function scrape(on: Stack): Promise<Map<string, number>> {
  const text = await (await fetch(on.metricsServer!.url)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

interface Moved {
  requests: Record<string, number>;
  errors: Record<string, number>;
  responses: Record<string, number>;
}

/** Runs `act` on `on` and answers every series of the operation, error and response counters that moved, by how much. */
async function moved(on: Stack, act: () => Promise<void>): Promise<Moved> {
  const before = await scrape(on);
  await act();
  const after = await scrape(on);
  const of = (metric: string) =>
    Object.fromEntries(
      [...after]
        .filter(([key, value]) => key.startsWith(`${metric}{`) && value !== (before.get(key) ?? 0))
        .map(([key, value]) => [key.slice(metric.length), value - (before.get(key) ?? 0)]),
    );
  return {
    requests: of('gateway_graphql_requests_total'),
    errors: of('gateway_graphql_errors_total'),
    responses: of('gateway_http_responses_total'),
  };
}

async function post(on: Stack, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const response = await fetch(`${on.server!.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headersFor(DEMO) },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe('operations counted once on every transport', () => {
  it('an HTTP query, then the same query answered from the cache, before yoga and through it', async () => {
    const body = { query: 'query Datasets { datasets { id } }' };
    const executed = await moved(stack, async () => {
      expect((await post(stack, body)).json.errors).toBeUndefined();
    });
    expect(executed).toEqual({
      requests: { '{operationName="Datasets",operationType="query"}': 1 },
      errors: {},
      responses: { '{status="200",code="none"}': 1 },
    });
    const hits = async () => (await scrape(stack)).get('gateway_response_cache_answers_total{result="hit"}') ?? 0;
    const hitsBefore = await hits();
    lines.length = 0;
    const hit = await moved(stack, async () => {
      expect((await post(stack, body)).json.errors).toBeUndefined();
    });
    // Answered in front of yoga (response-cache/fast-hits.ts), named after its document, as executed.
    expect(lines.map((l) => JSON.parse(l)).filter((l) => l.cache === 'hit')).toHaveLength(1);
    expect(hit).toEqual(executed);
    // The same hit through yoga (in-process: no fast path there), whose document is not parsed either:
    // sent to the same Host, which the cache's key covers (an answer may hold a link on it).
    const throughYoga = await moved(stack, async () => {
      const response = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', host: new URL(stack.server!.url).host, ...headersFor(DEMO) },
        body: JSON.stringify(body),
      });
      expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
    });
    expect(throughYoga).toEqual(executed);
    expect((await hits()) - hitsBefore).toBe(2);
  });

  it('an SSE subscription when it starts, not again when it ends; a refused one with its NOT_FOUND', async () => {
    const ok = await moved(stack, async () => {
      const sse = subscribeSse(fetch, stack.server!.url, WATCH('SseOwn'), { id: own }, DEMO);
      await sse.done;
      expect(sse.completed).toBe(true);
      expect(sse.events.some((e) => e.errors)).toBe(false);
    });
    expect(ok.requests).toEqual({ '{operationName="SseOwn",operationType="subscription"}': 1 });
    expect(ok.errors).toEqual({});

    const refused = await moved(stack, async () => {
      const sse = subscribeSse(fetch, stack.server!.url, WATCH('SseOther'), { id: others }, DEMO);
      await sse.done;
      expect(sse.events.map((e) => e.errors?.[0]?.extensions?.['code'])).toEqual(['NOT_FOUND']);
    });
    expect(refused.requests).toEqual({ '{operationName="SseOther",operationType="subscription"}': 1 });
    expect(refused.errors).toEqual({
      '{operationName="SseOther",operationType="subscription",phase="execute",code="NOT_FOUND"}': 1,
    });
  });

  it('a WebSocket jobUpdated subscription, each of two grouped into one execution', async () => {
    const client = wsClient(stack.server!.url, DEMO);
    try {
      const ok = await moved(stack, async () => {
        const subs = [1, 2].map(() => subscribeWs(client, WATCH('WsOwn'), { id: own }));
        await Promise.all(subs.map((s) => s.done));
        expect(subs.every((s) => s.events.length > 0 && s.events.every((e) => !e.errors))).toBe(true);
      });
      expect(ok).toEqual({
        requests: { '{operationName="WsOwn",operationType="subscription"}': 2 },
        errors: {},
        responses: {},
      });
    } finally {
      await client.dispose();
    }
  });

  it('each WebSocket refusal, by its code: NOT_FOUND, UNAUTHENTICATED, BAD_USER_INPUT', async () => {
    const demo = wsClient(stack.server!.url, DEMO);
    const anonymous = wsClient(stack.server!.url, null);
    const refusal = async (client: ReturnType<typeof wsClient>, name: string, id: unknown, code: string) => {
      const seen = await moved(stack, async () => {
        const sub = subscribeWs(client, WATCH(name), { id });
        await sub.done;
        expect(sub.events.map((e) => e.errors?.[0]?.extensions?.['code'])).toEqual([code]);
      });
      expect(seen).toEqual({
        requests: { [`{operationName="${name}",operationType="subscription"}`]: 1 },
        errors: { [`{operationName="${name}",operationType="subscription",phase="execute",code="${code}"}`]: 1 },
        responses: {},
      });
    };
    try {
      await refusal(demo, 'WsOther', others, 'NOT_FOUND');
      await refusal(anonymous, 'WsNoCredentials', own, 'UNAUTHENTICATED');
      await refusal(demo, 'WsBadId', { not: 'an id' }, 'BAD_USER_INPUT');
    } finally {
      await Promise.all([demo.dispose(), anonymous.dispose()]);
    }
  });

  it("the gateway's rate limit, over HTTP and WebSocket, refused before parsing", async () => {
    const query = { query: '{ __typename }' };
    expect((await post(limited, query)).status).toBe(200);
    const http = await moved(limited, async () => {
      expect((await post(limited, query)).status).toBe(429);
    });
    expect(http).toEqual({
      requests: { '{operationName="anonymous",operationType="unknown"}': 1 },
      errors: { '{operationName="anonymous",operationType="unknown",phase="admission",code="RATE_LIMITED"}': 1 },
      responses: { '{status="429",code="RATE_LIMITED"}': 1 },
    });

    const client = wsClient(limited.server!.url, DEMO);
    try {
      const ws = await moved(limited, async () => {
        const sub = subscribeWs(client, WATCH('WsLimited'), { id: own });
        await expect(sub.done).rejects.toThrow(/"code":"RATE_LIMITED"/);
      });
      expect(ws).toEqual({ ...http, responses: {} });
    } finally {
      await client.dispose();
    }
  });

  it('the alias limit, over HTTP and WebSocket, by its own code', async () => {
    let errors: any[] = [];
    const http = await moved(stack, async () => {
      errors = (await post(stack, { query: ALIASED })).json.errors;
    });
    expect(errors.map((e) => e.extensions.code)).toEqual(['OPERATION_LIMIT_EXCEEDED']);
    const labels = 'operationName="Aliased",operationType="query"';
    const expected = {
      requests: { [`{${labels}}`]: 1 },
      errors: { [`{${labels},phase="validate",code="OPERATION_LIMIT_EXCEEDED"}`]: 1 },
    };
    expect(http).toMatchObject(expected);
    expect(Object.keys(http.responses)).toEqual([expect.stringMatching(/code="OPERATION_LIMIT_EXCEEDED"/)]);

    const client = wsClient(stack.server!.url, DEMO);
    try {
      const ws = await moved(stack, async () => {
        const sub = subscribeWs(client, ALIASED, {});
        await expect(sub.done).rejects.toThrow(/"code":"OPERATION_LIMIT_EXCEEDED"/);
      });
      expect(ws).toEqual({ ...expected, responses: {} });
    } finally {
      await client.dispose();
    }
  });
});
