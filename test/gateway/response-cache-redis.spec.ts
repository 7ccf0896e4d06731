/**
 * The response cache across two gateway instances on one Redis and one simulator (manual clock,
 * ten-minute times-to-live), both ways it can be shared:
 * - the Redis store (RESPONSE_CACHE_STORE=redis): one instance's answer serves the same caller on
 *   the other, never another caller; a change seen by the one instance polling a job (its lease) is
 *   evicted for both before any subscriber hears of it; a mutation on one evicts on both; and no key
 *   or value in Redis holds a token;
 * - memory stores with evictions broadcast through Redis: each instance keeps its own answers, and
 *   an eviction decided on one (a poller's change, a mutation) reaches the other.
 * Runs against the real Redis at REDIS_URL (default 127.0.0.1:6379), under key prefixes of its own;
 * skipped, saying why, without one.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/config.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { Credentials } from '../../src/upstream/types.js';
import { jobHeldAt, LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';
import { ACME_1, ACME_2, ask, CACHE_TENANTS, GLOBEX, LONG_TTLS } from '../harness/response-cache.js';
import { subscribeSse } from '../harness/sse.js';
import { eventually, startStack, type Stack } from '../harness/stack.js';

const JOB_SECONDS = 1_000;
const clock = manualClock(JOB_SECONDS);
const run = randomUUID();
let simulator: Simulator;
let admin: Redis;
let datasetId: string;
const connections: Redis[] = [];
const stacks: Stack[] = [];

async function instance(name: string, store: 'redis' | 'memory', keyPrefix: string): Promise<Stack> {
  const live = { publisher: new Redis(REDIS_URL), subscriber: new Redis(REDIS_URL) };
  const cacheStore = new Redis(REDIS_URL);
  connections.push(live.publisher, live.subscriber, cacheStore);
  const settings: NonNullable<Settings['responseCache']> = { store, maxEntries: 1_000, maxBytes: 4 * 1024 * 1024 };
  const stack = await startStack({
    sharedSimulator: simulator,
    live: { redis: live, keyPrefix: `${keyPrefix}live:`, instanceId: name },
    gateway: { responseCache: settings },
    responseCache: {
      redis: { store: cacheStore, publisher: live.publisher, subscriber: live.subscriber },
      keyPrefix: `${keyPrefix}rc:`,
      policy: LONG_TTLS,
    },
  });
  stacks.push(stack);
  return stack;
}

beforeAll(async () => {
  if (!REDIS) return;
  simulator = await startSimulator({ port: 0, jobSeconds: JOB_SECONDS, now: clock.now, tenants: CACHE_TENANTS });
  admin = new Redis(REDIS_URL);
});
afterAll(async () => {
  if (!REDIS) return;
  for (const stack of stacks.reverse()) await stack.close();
  await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
  const keys = await admin.keys(`test:rc:${run}:*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  await simulator.close();
});

const JOB = 'query($id: ID!) { job(id: $id) { id status } }';
const COUNT = '{ jobs(first: 1) { totalCount } }';
const WATCH = 'subscription($id: ID!) { jobUpdated(id: $id) { status } }';

async function queuedJob(stack: Stack, name: string) {
  datasetId ??= (await seedDataset(stack, ACME_1, 'rc-redis')).datasetId;
  return jobHeldAt(stack, ACME_1, datasetId, clock, name, 0.05);
}

/** Watches `jobId` on `stack` until its poller has delivered `status`; returns the stream to abort. */
async function watchUntil(stack: Stack, jobId: string, status?: string) {
  const fetchIn = (url: string, init: RequestInit) => Promise.resolve(stack.gateway.yoga.fetch(url, init));
  const watch = subscribeSse(fetchIn, 'http://gateway.test', WATCH, { id: jobId }, ACME_1);
  await eventually(() => (watch.events.length > 0 ? true : undefined), 10_000, 'the first event');
  return {
    seen: (wanted: string) =>
      eventually(
        () => (watch.events.some((e) => e.data?.jobUpdated.status === wanted) ? true : undefined),
        10_000,
        `the poller to see ${wanted}`,
      ),
    abort: () => watch.abort(),
    status,
  };
}

/** Both instances listen for evictions before a spec relies on it (SUBSCRIBE is not awaited at start). */
const bothListen = (prefix: string) =>
  eventually(
    async () => ((await admin.pubsub('NUMSUB', `${prefix}rc:evictions`))[1] === 2 ? true : undefined),
    5_000,
    'both instances to listen for evictions',
  );

let asked = 0;
/** `query` under an operation name of its own: never an answer either instance cached before. */
const fresh = (query: string) => `query Fresh${(asked += 1)}${query}`;

/**
 * ACME_1's list read on `a` answers its `job(id)` there; after a mutation of its account on `b`, `a`'s
 * `job(id)` asks the upstream again, once the eviction has reached `a` through Redis.
 */
async function listedJobsDroppedAcross(a: Stack, b: Stack): Promise<void> {
  const job = await queuedJob(a, 'listed');
  const read = (query: string) => ask(a, fresh(query), { id: job.id }, ACME_1);
  expect((await ask(a, fresh(' { jobs(first: 50) { edges { node { id } } } }'), {}, ACME_1)).calls).toEqual({
    'GET /jobs': 1,
  });
  expect((await read('($id: ID!) { job(id: $id) { id status } }')).calls).toEqual({});
  const refused = await ask(b, 'mutation { cancelJob(id: "job-00000000000000000000ffff") { id } }', {}, ACME_1);
  expect(refused.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  await eventually(
    async () => ((await read('($id: ID!) { job(id: $id) { id } }')).calls['GET /jobs/{id}'] === 1 ? true : undefined),
    5_000,
    "b's eviction to reach a's listed jobs",
  );
}

const createJob = (stack: Stack, creds: Credentials) =>
  ask(
    stack,
    'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }',
    { i: { name: 'made', baseModelId: LLAMA_INSTRUCT, dataset: { id: datasetId, answerColumn: 'answer' } } },
    creds,
  );

describe.skipIf(!REDIS)(`the response cache in Redis, shared by two instances${REDIS_SKIP_REASON}`, () => {
  let a: Stack;
  let b: Stack;
  const prefix = `test:rc:${run}:store:`;
  beforeAll(async () => {
    if (!REDIS) return;
    a = await instance('a', 'redis', prefix);
    b = await instance('b', 'redis', prefix);
    await bothListen(prefix);
  });

  it("serves one instance's answer on the other to the same caller only", async () => {
    const job = await queuedJob(a, 'shared');
    expect((await ask(a, JOB, { id: job.id }, ACME_1)).calls).toEqual({ 'GET /jobs/{id}': 1 });
    const onB = await ask(b, JOB, { id: job.id }, ACME_1);
    expect(onB.calls).toEqual({});
    expect(onB.body.data?.job).toEqual({ id: job.id, status: 'QUEUED' });
    expect((await ask(b, JOB, { id: job.id }, ACME_2)).calls).toEqual({ 'GET /jobs/{id}': 1 });
    const globex = await ask(b, JOB, { id: job.id }, GLOBEX);
    expect(globex.calls).toEqual({ 'GET /jobs/{id}': 1 });
    expect(globex.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('evicts a job for both instances before the poller publishes its change', async () => {
    const job = await queuedJob(a, 'watched on b');
    const watch = await watchUntil(b, job.id); // only b watches: b polls
    await ask(a, JOB, { id: job.id }, ACME_1);
    expect((await ask(a, JOB, { id: job.id }, ACME_1)).calls).toEqual({});
    expect((await ask(b, JOB, { id: job.id }, ACME_1)).calls).toEqual({});

    clock.at(job, 0.5);
    await watch.seen('RUNNING');
    const onA = await ask(a, JOB, { id: job.id }, ACME_1);
    expect(onA.body.data?.job.status).toBe('RUNNING');
    expect(onA.calls).toEqual({ 'GET /jobs/{id}': 1 });
    watch.abort();
  });

  it("a mutation on one instance evicts its organization's answers on the other", async () => {
    const before = (await ask(b, COUNT, {}, ACME_2)).body.data?.jobs.totalCount;
    expect((await ask(b, COUNT, {}, ACME_2)).calls).toEqual({});
    expect((await createJob(a, ACME_1)).body.errors).toBeUndefined();
    const after = await ask(b, COUNT, {}, ACME_2);
    expect(after.calls).toEqual({ 'GET /jobs': 1 });
    expect(after.body.data?.jobs.totalCount).toBe(before + 1);
  });

  it("keeps a caller's listed jobs on each instance, dropped there by the other's mutation", () =>
    listedJobsDroppedAcross(a, b));

  it('holds no token in any key or value, and every key under its prefix', async () => {
    const keys = await admin.keys(`${prefix}rc:*`);
    expect(keys.length).toBeGreaterThan(0);
    const tokens = CACHE_TENANTS.map((t) => t.token);
    for (const key of keys) {
      const type = await admin.type(key);
      const values = type === 'set' ? await admin.smembers(key) : [(await admin.get(key)) ?? ''];
      for (const text of [key, ...values]) for (const token of tokens) expect(text).not.toContain(token);
    }
    // Nothing outside the prefix: the library's per-type sets (a bare `Job`) are never written.
    const stray = await admin.exists('Job', 'Dataset', 'JobConnection', '#account');
    expect(stray).toBe(0);
    // Every entity set expires.
    for (const key of keys.filter((k) => k.includes('rc:e:'))) expect(await admin.pttl(key)).toBeGreaterThan(0);
  });
});

describe.skipIf(!REDIS)(`memory caches with evictions broadcast through Redis${REDIS_SKIP_REASON}`, () => {
  let a: Stack;
  let b: Stack;
  const prefix = `test:rc:${run}:memory:`;
  beforeAll(async () => {
    if (!REDIS) return;
    a = await instance('c', 'memory', prefix);
    b = await instance('d', 'memory', prefix);
    await bothListen(prefix);
  });

  it("keeps each instance's answers its own, and evicts a job a poller on the other saw change", async () => {
    const job = await queuedJob(a, 'watched on d');
    const watch = await watchUntil(b, job.id); // only b watches: b polls, a hears of it through Redis
    for (const stack of [a, b]) {
      expect((await ask(stack, JOB, { id: job.id }, ACME_1)).calls).toEqual({ 'GET /jobs/{id}': 1 });
      expect((await ask(stack, JOB, { id: job.id }, ACME_1)).calls).toEqual({});
    }
    clock.at(job, 0.5);
    await watch.seen('RUNNING');
    expect((await ask(b, JOB, { id: job.id }, ACME_1)).body.data?.job.status).toBe('RUNNING');
    // a holds QUEUED for ten minutes unless b's eviction reaches it.
    await eventually(
      async () => ((await ask(a, JOB, { id: job.id }, ACME_1)).body.data?.job.status === 'RUNNING' ? true : undefined),
      5_000,
      "b's eviction to reach a",
    );
    watch.abort();
  });

  it("keeps a caller's listed jobs on each instance, dropped there by the other's mutation", () =>
    listedJobsDroppedAcross(a, b));

  it("a mutation on one instance evicts its organization's answers on the other", async () => {
    const before = (await ask(b, COUNT, {}, ACME_2)).body.data?.jobs.totalCount;
    expect((await ask(b, COUNT, {}, ACME_2)).calls).toEqual({});
    expect((await createJob(a, ACME_1)).body.errors).toBeUndefined();
    await eventually(
      async () => ((await ask(b, COUNT, {}, ACME_2)).body.data?.jobs.totalCount === before + 1 ? true : undefined),
      5_000,
      "a's eviction to reach b",
    );
  });
});
