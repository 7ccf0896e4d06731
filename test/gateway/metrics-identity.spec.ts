/**
 * A job's `Metrics` has an id (`<job id>:metrics`): the same in every answer about that job (a lookup, a
 * page of jobs, a `jobUpdated` event), different for every job. A normalized client cache (Apollo's
 * InMemoryCache, which keys an object by `__typename` and `id`) then merges two answers' metrics into
 * one object: the loss curve read by one query survives a later query that reads only `latest`, the
 * shape the README suggests for `jobUpdated`. Before, without an id, the second replaced the first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHeldAt, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, eventually, startStack, type Stack } from '../harness/stack.js';

const clock = manualClock(100);
let stack: Stack;
let datasetId: string;
beforeAll(async () => {
  stack = await startStack({ simulator: { jobSeconds: 100, now: clock.now } });
  ({ datasetId } = await seedDataset(stack, DEMO, 'metrics-identity'));
});
afterAll(() => stack.close());

type Entity = Record<string, unknown>;

/**
 * What a normalized cache does with an answer, reduced to its rule: an object with `__typename` and
 * `id` is one entry, its fields merged over what earlier answers stored; any other object is a value
 * of its parent's field, replaced whole.
 */
function normalize(value: unknown, store: Map<string, Entity>): unknown {
  if (Array.isArray(value)) return value.map((item) => normalize(item, store));
  if (value === null || typeof value !== 'object') return value;
  const fields = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, store)]));
  const { __typename, id } = value as Entity;
  if (typeof __typename !== 'string' || typeof id !== 'string') return fields;
  const key = `${__typename}:${id}`;
  store.set(key, { ...store.get(key), ...fields });
  return { __ref: key };
}

const read = (store: Map<string, Entity>, ref: unknown): Entity =>
  (ref as { __ref?: string }).__ref ? store.get((ref as { __ref: string }).__ref)! : (ref as Entity);

describe("a job's metrics in a normalized client cache", () => {
  it('keeps the loss curve when a later query reads only the latest step of the same metrics', async () => {
    const job = await jobHeldAt(stack, DEMO, datasetId, clock, 'curve', 0.5);
    const curve = await stack.gql(
      'query($id: ID!) { job(id: $id) { __typename id metrics { __typename id points { step trainingLoss } } } }',
      { id: job.id },
    );
    const latest = await stack.gql(
      'query($id: ID!) { job(id: $id) { __typename id metrics { __typename id latest { step } } } }',
      { id: job.id },
    );
    expect(curve.errors).toBeUndefined();
    expect(latest.errors).toBeUndefined();
    expect(curve.data?.job.metrics.id).toBe(`${job.id}:metrics`);
    expect(latest.data?.job.metrics.id).toBe(`${job.id}:metrics`);

    const store = new Map<string, Entity>();
    normalize(curve.data, store);
    normalize(latest.data, store);
    const metrics = read(store, store.get(`Job:${job.id}`)!.metrics);
    expect(metrics.points).toEqual(curve.data?.job.metrics.points);
    expect((metrics.points as unknown[]).length).toBeGreaterThan(0);
    expect(metrics.latest).toEqual(latest.data?.job.metrics.latest);
  });

  it('gives each job its own metrics id, the same in a page of jobs and in jobUpdated events', async () => {
    const one = await jobHeldAt(stack, DEMO, datasetId, clock, 'one', 0.5);
    const two = await jobHeldAt(stack, DEMO, datasetId, clock, 'two', 0.5);
    const page = await stack.gql('{ jobs(first: 50) { edges { node { id metrics { id } } } } }');
    expect(page.errors).toBeUndefined();
    const ids = new Map<string, string>(
      page.data?.jobs.edges.map((e: { node: { id: string; metrics: { id: string } } }) => [
        e.node.id,
        e.node.metrics.id,
      ]),
    );
    expect(ids.get(one.id)).toBe(`${one.id}:metrics`);
    expect(ids.get(two.id)).toBe(`${two.id}:metrics`);
    expect(new Set(ids.values()).size).toBe(ids.size);

    const fetchIn = (url: string, init: RequestInit) => Promise.resolve(stack.gateway.yoga.fetch(url, init));
    const watch = subscribeSse(
      fetchIn,
      'http://gateway.test',
      'subscription($id: ID!) { jobUpdated(id: $id) { id status metrics { id latest { step } } } }',
      { id: one.id },
      DEMO,
    );
    try {
      await eventually(() => (watch.events.length > 0 ? true : undefined), 10_000, 'the first event');
      clock.at(one, 1.05);
      await eventually(
        () => (watch.events.some((e) => e.data?.jobUpdated.status === 'COMPLETED') ? true : undefined),
        10_000,
        'the completed event',
      );
      expect(watch.events.every((e) => e.errors === undefined)).toBe(true);
      for (const event of watch.events) expect(event.data?.jobUpdated.metrics.id).toBe(`${one.id}:metrics`);
    } finally {
      watch.abort();
    }
  });
});
