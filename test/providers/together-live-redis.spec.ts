/**
 * Live updates of a Together job across two gateway instances on one Redis (issue 19): subscribers on
 * both get the job to COMPLETED with its loss curve, while one instance at a time polls Together
 * (its lease), counted from each instance's own live-update metrics (which count Together's polls
 * now, not Nscale's only) and from the Together simulator. Runs against the real Redis at REDIS_URL
 * (default 127.0.0.1:6379), under a key prefix of its own; skipped, saying why, without one.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';
import { subscribeSse } from '../harness/sse.js';
import { startStack, type Stack } from '../harness/stack.js';
import { gatewayGql, gatewayUpload, TOGETHER_HEADERS as TOGETHER } from '../harness/together-job.js';

const keyPrefix = `test:together-live:${randomUUID()}:`;
const CSV = ['prompt,answer', '"What is LoRA?","Low-rank adaptation."', '"What is an epoch?","A full pass."'].join(
  '\n',
);
const connections: Redis[] = [];
const instances: Array<{ stack: Stack; metrics: GatewayMetrics }> = [];

async function instance(name: string, shared?: Stack) {
  const redis = { publisher: new Redis(REDIS_URL), subscriber: new Redis(REDIS_URL) };
  connections.push(redis.publisher, redis.subscriber);
  const metrics = createGatewayMetrics({ processMetrics: false });
  const stack = await startStack({
    env: {
      SIMULATOR_JOB_SECONDS: '1.5',
      ...(shared ? { TOGETHER_API_URL: shared.togetherSimulator!.apiBaseUrl } : {}),
    },
    ...(shared ? { sharedSimulator: shared.simulator } : {}),
    live: { redis, keyPrefix, instanceId: name, intervals: { leaseMs: 10_000 } },
    gateway: { metrics },
  });
  instances.push({ stack, metrics });
  return { stack, metrics };
}

beforeAll(async () => {
  if (!REDIS) return;
  const a = await instance('a');
  await instance('b', a.stack);
});
afterAll(async () => {
  if (!REDIS) return;
  for (const { stack } of instances.reverse()) await stack.close();
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
});

const fetchOn =
  (stack: Stack) =>
  (url: string, init: RequestInit): Promise<Response> =>
    Promise.resolve(stack.gateway.yoga.fetch(url, { ...init, headers: { ...(init.headers as object), ...TOGETHER } }));

async function createTogetherJob(stack: Stack): Promise<string> {
  const uploaded = await gatewayUpload(stack.gateway, new File([CSV], 'live.csv', { type: 'text/csv' }));
  const fileId = uploaded.data?.uploadFile.id as string;
  const body = await gatewayGql(stack.gateway, 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', {
    i: { name: 'live', baseModelId: 'meta-llama/Llama-3.2-3B-Instruct', files: { trainingFileId: fileId } },
  });
  expect(body.errors).toBeUndefined();
  return body.data?.createJob.id as string;
}

/** This instance's `gateway_live_polls_total` of jobs (Together's only here: no Nscale job is watched). */
async function jobPolls(metrics: GatewayMetrics): Promise<number> {
  const text = await metrics.registry.metrics();
  return Number(/gateway_live_polls_total\{kind="job",outcome="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
}

const WATCH =
  'subscription($id: ID!) { jobUpdated(id: $id) { id provider status metrics { points { step trainingLoss } } } }';

describe.skipIf(!REDIS)(`a Together job watched on two instances with Redis${REDIS_SKIP_REASON}`, () => {
  it('reaches every subscriber on both, with one instance polling Together, counted in its metrics', async () => {
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const id = await createTogetherJob(a.stack);
    const subscribers = [a, a, a, b, b, b].map(({ stack }) =>
      subscribeSse(fetchOn(stack), 'http://localhost', WATCH, { id }, null),
    );
    while (!subscribers.every((s) => s.events.length > 0)) await new Promise((r) => setTimeout(r, 10));
    const together = a.stack.togetherSimulator!;
    together.resetStats();
    const before = [await jobPolls(a.metrics), await jobPolls(b.metrics)];
    await Promise.all(subscribers.map((s) => s.done));

    for (const s of subscribers) {
      expect(s.completed).toBe(true);
      for (const event of s.events) expect(event.errors).toBeUndefined();
      const last = s.events.at(-1)?.data?.jobUpdated;
      expect(last).toMatchObject({ id, provider: 'TOGETHER', status: 'COMPLETED' });
      expect(last.metrics.points.length).toBeGreaterThan(1);
    }
    const polls = [(await jobPolls(a.metrics)) - before[0]!, (await jobPolls(b.metrics)) - before[1]!];
    // One instance polled (the lease never changed hands), and its metrics counted those polls.
    expect(Math.min(...polls)).toBe(0);
    expect(Math.max(...polls)).toBeGreaterThan(0);
    // The Together simulator saw those polls only (give or take the one in flight at the reset).
    const upstream = together.stats()['GET /fine-tunes/{id}'] ?? 0;
    expect(Math.abs(upstream - Math.max(...polls))).toBeLessThanOrEqual(1);
  });
});
