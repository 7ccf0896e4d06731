/**
 * Issue 21 item 8: a request's log lines carry the trace id of its spans (the caller's, or the new
 * trace's), and a live-update poller is one trace, its polls child spans of it, instead of one
 * root trace per poll.
 */
import { Writable } from 'node:stream';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { composeGateway, type ComposedGateway } from '../../src/server/compose-gateway.js';
import { createTracing, type Tracing } from '../../src/telemetry/tracing.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { DEMO, eventually, headersFor } from '../harness/stack.js';

const exporter = new InMemorySpanExporter();
const lines: Array<Record<string, unknown>> = [];
let tracing: Tracing;
let composed: ComposedGateway;

beforeAll(async () => {
  tracing = await createTracing({ exporter });
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    }),
  );
  const settings = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_ENABLED: 'false',
    SIMULATOR_JOB_SECONDS: '600',
    POLL_INTERVAL_RUNNING_MS: '20',
    POLL_INTERVAL_QUEUED_MS: '20',
  });
  composed = await composeGateway(settings, { logger, prebuilt: { tracing }, listen: false });
});
afterAll(async () => {
  await composed.close();
  await tracing.shutdown();
});

async function post(query: string, headers: Record<string, string> = {}) {
  const response = await composed.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headersFor(DEMO), ...headers },
    body: JSON.stringify({ query }),
  });
  expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
  return response.headers.get('x-request-id')!;
}

const requestLine = (requestId: string) => lines.find((l) => l['msg'] === 'request' && l['requestId'] === requestId);
const spanNamed = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name);

describe('trace ids in log lines', () => {
  it("carries the new trace's id when the caller sends none: the one its operation span has", async () => {
    const requestId = await post('query Logged { baseModels { id } }');
    const operation = spanNamed('query.Logged')!;
    expect(operation.parentSpanId).toBeUndefined();
    expect(requestLine(requestId)).toMatchObject({ requestId, traceId: operation.spanContext().traceId });
  });

  it("carries the caller's trace id", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const requestId = await post('query Continued { __typename }', {
      traceparent: `00-${traceId}-b7ad6b7169203331-01`,
    });
    expect(requestLine(requestId)).toMatchObject({ traceId });
    expect(spanNamed('query.Continued')!.spanContext().traceId).toBe(traceId);
  });
});

describe('live-update polls in traces', () => {
  it("groups a poller's polls into one trace, and ends its span with the poller", async () => {
    const { datasetId } = await seedDataset(composed, DEMO);
    const job = await composed.client.createJob(DEMO, {
      name: 'traced',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    exporter.reset();
    const stream = composed.live.watchJob(DEMO, job.id);
    await stream.next();
    const polls = () => exporter.getFinishedSpans().filter((s) => s.name === 'live.poll');
    await eventually(() => (polls().length >= 3 ? true : undefined), 10_000, 'three polls');
    await stream.return?.();
    const poller = await eventually(() => spanNamed('live.poller job'), 5_000, 'the poller span to end');

    const traceId = poller.spanContext().traceId;
    expect(poller.parentSpanId).toBeUndefined();
    for (const poll of polls()) {
      expect(poll.spanContext().traceId).toBe(traceId);
      expect(poll.parentSpanId).toBe(poller.spanContext().spanId);
    }
    // Every upstream call is a poll's but one: the subscriber's own access check, which belongs to the
    // subscription (here, with no request around it, a root).
    const upstream = exporter.getFinishedSpans().filter((s: ReadableSpan) => s.name.startsWith('GET /jobs/{id}'));
    const pollSpanIds = new Set(polls().map((s) => s.spanContext().spanId));
    const polled = upstream.filter((call) => pollSpanIds.has(call.parentSpanId!));
    expect(polled.length).toBeGreaterThan(0);
    expect(upstream.length - polled.length).toBe(1);
    for (const call of polled) expect(call.spanContext().traceId).toBe(traceId);
    expect(poller.attributes['live.polls']).toBeGreaterThanOrEqual(3);
  });
});
