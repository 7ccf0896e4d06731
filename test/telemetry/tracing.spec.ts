/** OpenTelemetry: the caller's trace continues through the operation span to the upstream call and the upstream. */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracing, type Tracing } from '../../src/telemetry/tracing.js';
import { combineObservers } from '../../src/upstream/observer.js';
import { requestIdToUpstream } from '../../src/telemetry/request-scope.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let stack: Stack;

beforeAll(async () => {
  tracing = await createTracing({ exporter });
  stack = await startStack({
    client: { observer: combineObservers(requestIdToUpstream, tracing.upstream) },
    gateway: { tracing, baseModelCacheMs: 0 },
  });
});
afterAll(async () => {
  await stack.close();
  await tracing.shutdown();
});

describe('tracing', () => {
  it("makes an operation span under the caller's traceparent, an upstream child span, and passes the trace on", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    stack.simulator.resetStats();
    const response = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${callerSpanId}-01`,
        ...headersFor(DEMO),
      },
      body: JSON.stringify({ query: 'query Traced { baseModels { id } }' }),
    });
    expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();

    const spans = exporter.getFinishedSpans();
    const operation = spans.find((s) => s.name === 'query.Traced');
    expect(operation).toBeDefined();
    expect(operation!.spanContext().traceId).toBe(traceId);
    expect(operation!.parentSpanId).toBe(callerSpanId);
    expect(operation!.attributes).toMatchObject({
      'graphql.execute.operationName': 'Traced',
      'graphql.execute.operationType': 'query',
    });

    const upstream = spans.find((s) => s.name === 'GET /base-models');
    expect(upstream).toBeDefined();
    expect(upstream!.spanContext().traceId).toBe(traceId);
    expect(upstream!.parentSpanId).toBe(operation!.spanContext().spanId);
    expect(upstream!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.template': '/base-models',
      'http.response.status_code': 200,
    });

    const [received] = stack.simulator.recentRequests();
    expect(received?.traceparent).toBe(`00-${traceId}-${upstream!.spanContext().spanId}-01`);
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(DEMO.token);
  });

  it('starts a new trace when the caller sends none', async () => {
    exporter.reset();
    await stack.gql('query Fresh { baseModels { id } }');
    const spans = exporter.getFinishedSpans();
    const operation = spans.find((s) => s.name === 'query.Fresh')!;
    const upstream = spans.find((s) => s.name === 'GET /base-models')!;
    expect(operation.parentSpanId).toBeUndefined();
    expect(upstream.spanContext().traceId).toBe(operation.spanContext().traceId);
  });
});
