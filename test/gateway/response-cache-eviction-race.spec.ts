/**
 * An answer computed across an eviction is not stored after it (src/server/response-cache/
 * eviction-clock.ts): a query whose upstream read was done before the caller's own mutation, or
 * before a job change a live-update poller saw, and whose answer was ready only after that
 * eviction, goes to its client with `no-store`, and the caller's next identical query asks the
 * upstream and sees the change. Nor are the jobs such a query's list page read kept for `job(id)`.
 *
 * Deterministic: the simulator holds one of the slow query's upstream calls (a latency fault on its
 * route, lifted once that call has arrived: the calls after it are not held), the mutation runs and
 * is answered while it is held, and the spec checks that order before relying on it. Over HTTP (hits
 * answered before yoga too), on ten-minute times-to-live: a fresh answer can only come from an
 * eviction or from nothing stored. Also between two instances whose memory caches share their
 * evictions through Redis, and, on its own, the clock and the re-eviction of the Redis store.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/config.js';
import { cacheIdentity, cacheKey } from '../../src/server/response-cache/cache-identity.js';
import { EvictionClock } from '../../src/server/response-cache/eviction-clock.js';
import { ListedJobStore } from '../../src/server/response-cache/listed-jobs.js';
import { createMemoryStore } from '../../src/server/response-cache/memory-store.js';
import { ACCOUNT, createResponseCache, tiedTo } from '../../src/server/response-cache/response-cache.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { Job } from '../../src/upstream/schemas.js';
import type { Credentials } from '../../src/upstream/types.js';
import { jobHeldAt, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';
import { ACME_1, ask, CACHE_TENANTS, LONG_TTLS, type Answer } from '../harness/response-cache.js';
import { subscribeSse } from '../harness/sse.js';
import { eventually, startStack, type Stack } from '../harness/stack.js';

const JOB_SECONDS = 100;
/** How long the slow query's held call waits at the simulator: far longer than a mutation takes here. */
const HELD_MS = 2_500;
const DATASETS = '{ datasets { id name trainingFile { name } } }';
// Each reads what it shows first (the list, the job), then asks for each job's metrics: the call held.
const LIST = '{ jobs(first: 50) { totalCount edges { node { id status metrics { trainingSteps } } } } }';
const JOB_METRICS = 'query($id: ID!) { job(id: $id) { id status metrics { trainingSteps } } }';
const JOB = 'query($id: ID!) { job(id: $id) { id status } }';
const METRICS = 'GET /jobs/{id}/metrics';
const CREATE_DATASET =
  'mutation($f: ID!) { createDataset(input: { name: "made meanwhile", trainingFileId: $f }) { id } }';

const over = { over: 'http' as const };
const clock = manualClock(JOB_SECONDS);

/**
 * Sends `query` as `creds` with `route` held at the simulator, and resolves once its call to `route`
 * has arrived there (and the fault is lifted): the query's answer is then pending, its reads before
 * `route` done. `answered()` tells whether its answer has come back yet.
 */
async function heldQuery(
  stack: Stack,
  route: string,
  query: string,
  variables: Record<string, unknown> = {},
  creds: Credentials = ACME_1,
) {
  stack.simulator.resetStats();
  stack.simulator.setFaults({ route, latencyMs: HELD_MS });
  let answered = false;
  const pending = ask(stack, query, variables, creds, over).then((answer) => ((answered = true), answer));
  try {
    await eventually(() => stack.simulator.stats()[route] || undefined, 10_000, `the held call to ${route}`);
  } finally {
    stack.simulator.setFaults({});
  }
  return { answer: pending, answered: () => answered };
}

const ids = (answer: Answer) => (answer.body.data?.datasets ?? []).map((d: { id: string }) => d.id);

describe('an answer computed across an eviction (one instance, memory store)', () => {
  let stack: Stack;
  let fileId: string;
  let datasetId: string;

  beforeAll(async () => {
    stack = await startStack({
      http: true,
      simulator: { jobSeconds: JOB_SECONDS, now: clock.now, tenants: CACHE_TENANTS },
      responseCache: { policy: LONG_TTLS },
    });
    ({ fileId, datasetId } = await seedDataset(stack, ACME_1, 'race'));
  });
  afterAll(() => stack.close());

  it("is not stored after the caller's own mutation: the next identical query shows what the mutation made", async () => {
    const slow = await heldQuery(stack, 'GET /files/{id}', DATASETS);
    const created = await ask(stack, CREATE_DATASET, { f: fileId }, ACME_1, over);
    expect(created.body.errors).toBeUndefined();
    const newId = created.body.data!.createDataset.id as string;
    expect(slow.answered()).toBe(false); // the mutation was answered first

    const before = await slow.answer;
    expect(before.body.errors).toBeUndefined();
    expect(ids(before)).toContain(datasetId);
    expect(ids(before)).not.toContain(newId); // read before the mutation: right when asked, stale now
    expect(before.headers.get('cache-control')).toBe('no-store');

    const after = await ask(stack, DATASETS, {}, ACME_1, over);
    expect(after.calls['GET /datasets']).toBe(1);
    expect(ids(after)).toContain(newId);
    expect(after.headers.get('cache-control')).toBe('private, max-age=600');
    // Stored now: the next one is a hit, with the new dataset.
    const again = await ask(stack, DATASETS, {}, ACME_1, over);
    expect(again.calls).toEqual({});
    expect(ids(again)).toContain(newId);
  });

  it("does not store a list page read before the caller's cancelJob: the next list and job(id) show it cancelled", async () => {
    const job = await jobHeldAt(stack, ACME_1, datasetId, clock, 'cancelled meanwhile', 0.05);
    const slow = await heldQuery(stack, METRICS, LIST);
    const cancelled = await ask(
      stack,
      'mutation($id: ID!) { cancelJob(id: $id) { status } }',
      { id: job.id },
      ACME_1,
      over,
    );
    expect(cancelled.body.data?.cancelJob.status).toBe('CANCELLED');
    expect(slow.answered()).toBe(false);

    const before = await slow.answer;
    const statusIn = (answer: Answer) =>
      answer.body.data?.jobs.edges.find((e: { node: { id: string } }) => e.node.id === job.id)?.node.status;
    expect(statusIn(before)).toBe('QUEUED');
    expect(before.headers.get('cache-control')).toBe('no-store');

    // The job's page: not taken from the list page read before the cancel. (Here the page's jobs were
    // kept before the cancel, which dropped them; kept after it, see 'listed jobs read before an eviction'.)
    const detail = await ask(stack, JOB, { id: job.id }, ACME_1, over);
    expect(detail.calls).toEqual({ 'GET /jobs/{id}': 1 });
    expect(detail.body.data?.job.status).toBe('CANCELLED');
    // The list: asked again.
    const list = await ask(stack, LIST, {}, ACME_1, over);
    expect(list.calls['GET /jobs']).toBe(1);
    expect(statusIn(list)).toBe('CANCELLED');
  });

  it('is not stored after a live-update poller saw a job it holds change', async () => {
    const job = await jobHeldAt(stack, ACME_1, datasetId, clock, 'seen changing meanwhile', 0.05);
    const fetchIn = (url: string, init: RequestInit) => Promise.resolve(stack.gateway.yoga.fetch(url, init));
    // The organization's list is polled (GET /jobs, no metrics): the held metrics call is the query's alone.
    const watch = subscribeSse(
      fetchIn,
      'http://gateway.test',
      'subscription { jobsUpdated { id status } }',
      {},
      ACME_1,
    );
    const seen = (status: string) =>
      eventually(
        () =>
          watch.events.some((e) => e.data?.jobsUpdated.id === job.id && e.data.jobsUpdated.status === status)
            ? true
            : undefined,
        10_000,
        `the poller to see the job ${status}`,
      );
    try {
      await seen('QUEUED');
      const slow = await heldQuery(stack, METRICS, JOB_METRICS, { id: job.id });
      clock.at(job, 0.5);
      await seen('RUNNING'); // evicted before it was sent
      expect(slow.answered()).toBe(false);
      const before = await slow.answer;
      expect(before.body.data?.job.status).toBe('QUEUED');
      expect(before.headers.get('cache-control')).toBe('no-store');
    } finally {
      watch.abort();
    }
    const after = await ask(stack, JOB_METRICS, { id: job.id }, ACME_1, over);
    expect(after.calls).toEqual({ 'GET /jobs/{id}': 1, [METRICS]: 1 });
    expect(after.body.data?.job.status).toBe('RUNNING');
  });

  it('stores an answer whose query began after the eviction, as before', async () => {
    await ask(stack, 'mutation { deleteDataset(id: "ds-none") }', {}, ACME_1, over);
    const first = await ask(stack, DATASETS, {}, ACME_1, over);
    expect(first.headers.get('cache-control')).toBe('private, max-age=600');
    expect((await ask(stack, DATASETS, {}, ACME_1, over)).calls).toEqual({});
  });
});

describe.skipIf(!REDIS)(`an answer computed across another instance's eviction${REDIS_SKIP_REASON}`, () => {
  const run = randomUUID();
  const prefix = `test:rc-race:${run}:`;
  const connections: Redis[] = [];
  let simulator: Simulator;
  let a: Stack;
  let b: Stack;
  let admin: Redis;

  const instance = async (name: string): Promise<Stack> => {
    const live = { publisher: new Redis(REDIS_URL), subscriber: new Redis(REDIS_URL) };
    const store = new Redis(REDIS_URL);
    connections.push(live.publisher, live.subscriber, store);
    const settings: NonNullable<Settings['responseCache']> = {
      store: 'memory',
      maxEntries: 1_000,
      maxBytes: 4 * 1024 * 1024,
    };
    return startStack({
      http: true,
      sharedSimulator: simulator,
      live: { redis: live, keyPrefix: `${prefix}live:`, instanceId: name },
      gateway: { responseCache: settings },
      responseCache: {
        redis: { store, publisher: live.publisher, subscriber: live.subscriber },
        keyPrefix: `${prefix}rc:`,
        policy: LONG_TTLS,
      },
    });
  };

  beforeAll(async () => {
    if (!REDIS) return;
    simulator = await startSimulator({ port: 0, jobSeconds: JOB_SECONDS, now: clock.now, tenants: CACHE_TENANTS });
    admin = new Redis(REDIS_URL);
    a = await instance('race-a');
    b = await instance('race-b');
    await eventually(
      async () => ((await admin.pubsub('NUMSUB', `${prefix}rc:evictions`))[1] === 2 ? true : undefined),
      5_000,
      'both instances to listen for evictions',
    );
  });
  afterAll(async () => {
    if (!REDIS) return;
    await b?.close();
    await a?.close();
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    await admin.quit();
    await simulator.close();
  });

  it("one instance's answer begun before a mutation on the other is not stored once it has heard of it", async () => {
    const { fileId } = await seedDataset(a, ACME_1, 'race across');
    const PROBE = '{ jobs(first: 1) { totalCount } }';
    await ask(a, PROBE, {}, ACME_1, over);
    expect((await ask(a, PROBE, {}, ACME_1, over)).calls).toEqual({});

    const slow = await heldQuery(a, 'GET /files/{id}', DATASETS);
    const created = await ask(b, CREATE_DATASET, { f: fileId }, ACME_1, over);
    const newId = created.body.data!.createDataset.id as string;
    // b's eviction has reached a: its cached probe is gone.
    await eventually(
      async () => ((await ask(a, PROBE, {}, ACME_1, over)).calls['GET /jobs'] === 1 ? true : undefined),
      5_000,
      "b's eviction to reach a",
    );
    expect(slow.answered()).toBe(false);
    const before = await slow.answer;
    expect(ids(before)).not.toContain(newId);
    expect(before.headers.get('cache-control')).toBe('no-store');

    const after = await ask(a, DATASETS, {}, ACME_1, over);
    expect(after.calls['GET /datasets']).toBe(1);
    expect(ids(after)).toContain(newId);
  });
});

describe('the eviction clock', () => {
  const job = (id: string) => ({ typename: 'Job', id });

  it('tells whether a name was evicted since a mark, and nothing else', () => {
    const clock = new EvictionClock();
    const mark = clock.mark();
    expect(clock.evictedSince(mark, [job('1')])).toBe(false);
    clock.evicted([job('1'), job('2')]);
    expect(clock.evictedSince(mark, [job('3'), job('2')])).toBe(true);
    expect(clock.evictedSince(mark, [job('3')])).toBe(false);
    expect(clock.evictedSince(clock.mark(), [job('1')])).toBe(false); // evicted before that mark
  });

  it('forgets names past its bounds, and then takes an older mark as evicted', () => {
    let now = 0;
    const clock = new EvictionClock({ maxNames: 2, maxAgeMs: 1_000, now: () => now });
    const old = clock.mark();
    clock.evicted([job('1')]);
    const middle = clock.mark();
    clock.evicted([job('2')]);
    clock.evicted([job('3')]); // job 1 forgotten: a mark before its eviction may have missed it
    expect(clock.evictedSince(old, [job('9')])).toBe(true);
    expect(clock.evictedSince(middle, [job('9')])).toBe(false);
    now += 1_000;
    const late = clock.mark();
    clock.evicted([job('4')]); // jobs 2 and 3 too old now
    expect(clock.evictedSince(middle, [job('9')])).toBe(true);
    expect(clock.evictedSince(late, [job('9')])).toBe(false);
  });
});

describe('listed jobs read before an eviction', () => {
  it('are not kept once an eviction since their query began names them; a later query keeps its own', async () => {
    let now = 10_000_000;
    const listedJobs = new ListedJobStore({ policy: LONG_TTLS, now: () => now, maxEntries: 100 });
    const cache = createResponseCache({
      backing: createMemoryStore({ maxEntries: 10, maxBytes: 100_000 }),
      logger: pino({ level: 'silent' }),
      listedJobs,
    });
    const caller = cacheIdentity('nscale', ACME_1);
    const job = { id: 'job-listed', status: 'queued', name: 'listed' } as unknown as Job;
    const viewSince = (mark: number) =>
      listedJobs.forRequest(caller, {}, (entities) => cache.evictedSince(mark, entities));

    const begun = viewSince(cache.mark()); // a list query begins: its list call is on its way
    await cache.accountChanged('nscale', 'acme'); // the caller's mutation, answered meanwhile
    begun.remember([job], now - 10); // the list's answer, read before the mutation
    expect(begun.recall(job.id)).toBeUndefined();

    const later = viewSince(cache.mark());
    now += 1;
    later.remember([job], now);
    expect(later.recall(job.id)?.id).toBe(job.id);
    // A poller's change of another job of the account: the account's lists may be stale.
    const beforeChange = viewSince(cache.mark());
    await cache.jobsChanged('nscale', 'acme', ['job-other']);
    beforeChange.remember([{ ...job, id: 'job-second' } as Job], now);
    expect(beforeChange.recall('job-second')).toBeUndefined();
  });
});

describe('the response cache in front of a shared store', () => {
  const logger = pino({ level: 'silent' });
  const identity = cacheIdentity('nscale', ACME_1);
  const other = cacheIdentity('nscale', { token: 'globex-token', organizationId: 'globex' });

  it("notes every eviction: a poller's, a mutation's, another instance's", async () => {
    const cache = createResponseCache({ backing: createMemoryStore({ maxEntries: 10, maxBytes: 100_000 }), logger });
    const list = tiedTo(cacheKey(identity, 'localhost', '{ jobs { totalCount } }', null, {}), []);
    const models = tiedTo(cacheKey(identity, 'localhost', '{ baseModels { id } }', null, {}), []);
    const elsewhere = tiedTo(cacheKey(other, 'localhost', '{ jobs { totalCount } }', null, {}), []);
    let mark = cache.mark();
    await cache.jobsChanged('nscale', 'acme', ['j1']);
    expect([list, models, elsewhere].map((ties) => cache.evictedSince(mark, ties))).toEqual([true, false, false]);
    expect(cache.evictedSince(mark, [...models, { typename: 'Job', id: 'j1' }])).toBe(true);
    mark = cache.mark();
    await cache.accountChanged('nscale', 'acme');
    expect([list, models, elsewhere].map((ties) => cache.evictedSince(mark, ties))).toEqual([true, true, false]);
    mark = cache.mark();
    cache.evictHere([{ typename: ACCOUNT, id: other.scope }]);
    expect([list, models, elsewhere].map((ties) => cache.evictedSince(mark, ties))).toEqual([false, false, true]);
  });

  it("evicts again in the shared store what it wrote lately and another instance's eviction names", async () => {
    const invalidated: string[][] = [];
    const backing = {
      get: () => null,
      set: () => undefined,
      invalidate: (entities: Iterable<{ typename: string; id?: string | number }>) =>
        void invalidated.push([...entities].map((e) => `${e.typename}:${e.id}`)),
    };
    const cache = createResponseCache({ backing, logger, sharedStore: true });
    await cache.store.set(cacheKey(identity, 'localhost', '{ baseModels { id } }', null, {}), { data: {} }, [], 60_000);
    // Another account's eviction: the other instance removed those answers already, none of them written here.
    cache.evictHere([{ typename: ACCOUNT, id: other.scope }]);
    expect(invalidated).toEqual([]);
    // This account's: what this instance wrote may have landed after the other instance's removal.
    cache.evictHere([{ typename: ACCOUNT, id: identity.scope }]);
    expect(invalidated).toEqual([[`${ACCOUNT}:${identity.scope}`]]);
  });
});
