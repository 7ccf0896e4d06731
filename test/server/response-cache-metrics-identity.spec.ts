/**
 * `Metrics` and `JobCheckpoint` have an `id` (for normalized client caches), which the response cache's
 * plugin now selects and ties answers to (`Metrics:<job id>:metrics`). That changes nothing of what the
 * cache keeps: the same types are cacheable, an answer holding a job's metrics lives as long as its
 * job's status allows (with or without the metrics' `id` selected), and it still leaves the cache the
 * moment its job changes (seen by a live-update poller, or cancelled by the caller).
 *
 * The policy here is long (minutes) but differs by status, so that an answer read twice can only have
 * been evicted, never have expired, and its `Cache-Control` says which status it was kept for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { cacheRules, RESPONSE_TTL_POLICY, type ResponseTtlPolicy } from '../../src/schema/response-cache-policy.js';
import { jobHeldAt, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { ACME_1, ask, CACHE_TENANTS, LONG_TTLS } from '../harness/response-cache.js';
import { subscribeSse } from '../harness/sse.js';
import { eventually, startStack, type Stack } from '../harness/stack.js';

const JOB_SECONDS = 100;
const RUNNING_MS = 540_000;
const POLICY: ResponseTtlPolicy = {
  coordinates: LONG_TTLS.coordinates,
  jobs: { ...LONG_TTLS.jobs, queued: 480_000, starting: 480_000, running: RUNNING_MS },
};
const clock = manualClock(JOB_SECONDS);
let stack: Stack;
let datasetId: string;

beforeAll(async () => {
  stack = await startStack({
    simulator: { jobSeconds: JOB_SECONDS, now: clock.now, tenants: CACHE_TENANTS },
    responseCache: { policy: POLICY },
  });
  ({ datasetId } = await seedDataset(stack, ACME_1, 'metrics-identity'));
});
afterAll(() => stack.close());

const maxAge = (ms: number) => `private, max-age=${ms / 1000}`;
const WITH_ID = 'query($id: ID!) { job(id: $id) { id status metrics { id points { step trainingLoss } } } }';
const WITHOUT_ID = 'query($id: ID!) { job(id: $id) { id status metrics { points { step } } } }';

describe('the response cache and the ids of metrics and checkpoints', () => {
  it('keeps the same types cacheable, with no time-to-live of their own', () => {
    const rules = cacheRules(schema, RESPONSE_TTL_POLICY);
    for (const type of ['Metrics', 'MetricPoint', 'JobCheckpoint', 'JobEvent']) {
      expect(rules.ignoredTypes).not.toContain(type);
      expect(rules.ttlPerSchemaCoordinate[type]).toBeUndefined();
    }
    for (const coordinate of ['Job.metrics', 'Metrics.id', 'Job.checkpoints', 'JobCheckpoint.id', 'Job.events'])
      expect(rules.ttlPerSchemaCoordinate[coordinate]).toBeUndefined();
  });

  it("keeps an answer holding a job's metrics as long as its status allows, with or without their id", async () => {
    const job = await jobHeldAt(stack, ACME_1, datasetId, clock, 'metrics-ttl', 0.5);
    for (const query of [WITH_ID, WITHOUT_ID]) {
      const stored = await ask(stack, query, { id: job.id });
      expect(stored.body.errors).toBeUndefined();
      expect(stored.body.data?.job.metrics.points.length).toBeGreaterThan(0);
      expect(stored.headers.get('cache-control')).toBe(maxAge(RUNNING_MS));
      const hit = await ask(stack, query, { id: job.id });
      expect(hit.calls).toEqual({});
      expect(hit.body).toEqual(stored.body);
    }
    // Only what the query selected: the id the cache asks for on its own stays out of the answer.
    const without = await ask(stack, WITHOUT_ID, { id: job.id });
    expect(Object.keys(without.body.data?.job.metrics)).toEqual(['points']);
  });

  it("evicts an answer holding a job's metrics when a live-update poller sees the job change", async () => {
    const job = await jobHeldAt(stack, ACME_1, datasetId, clock, 'metrics-evicted', 0.5);
    const fetchIn = (url: string, init: RequestInit) => Promise.resolve(stack.gateway.yoga.fetch(url, init));
    const watch = subscribeSse(
      fetchIn,
      'http://gateway.test',
      'subscription($id: ID!) { jobUpdated(id: $id) { status metrics { id latest { step } } } }',
      { id: job.id },
      ACME_1,
    );
    try {
      await eventually(() => (watch.events.length > 0 ? true : undefined), 10_000, 'the first event');
      expect(watch.events[0]?.data?.jobUpdated.metrics.id).toBe(`${job.id}:metrics`);
      const running = await ask(stack, WITH_ID, { id: job.id });
      expect(running.body.data?.job).toMatchObject({ status: 'RUNNING', metrics: { id: `${job.id}:metrics` } });
      expect((await ask(stack, WITH_ID, { id: job.id })).calls).toEqual({});

      clock.at(job, 1.05);
      await eventually(
        () => (watch.events.some((e) => e.data?.jobUpdated.status === 'COMPLETED') ? true : undefined),
        10_000,
        'the poller to see the job completed',
      );
      const after = await ask(stack, WITH_ID, { id: job.id });
      expect(after.calls['GET /jobs/{id}']).toBe(1);
      expect(after.body.data?.job).toMatchObject({ status: 'COMPLETED', metrics: { id: `${job.id}:metrics` } });
      expect(after.body.data?.job.metrics.points.length).toBeGreaterThan(running.body.data?.job.metrics.points.length);
      expect(after.headers.get('cache-control')).toBe(maxAge(POLICY.jobs.completed));
    } finally {
      watch.abort();
    }
  });

  it("evicts an answer holding a job's metrics when the caller cancels the job", async () => {
    const job = await jobHeldAt(stack, ACME_1, datasetId, clock, 'metrics-cancelled', 0.5);
    await ask(stack, WITH_ID, { id: job.id });
    expect((await ask(stack, WITH_ID, { id: job.id })).calls).toEqual({});
    const cancelled = await ask(stack, 'mutation($id: ID!) { cancelJob(id: $id) { id status } }', { id: job.id });
    expect(cancelled.body.data?.cancelJob.status).toBe('CANCELLED');
    const after = await ask(stack, WITH_ID, { id: job.id });
    expect(after.calls['GET /jobs/{id}']).toBe(1);
    expect(after.body.data?.job).toMatchObject({ status: 'CANCELLED', metrics: { id: `${job.id}:metrics` } });
  });
});
