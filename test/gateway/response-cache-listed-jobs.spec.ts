/**
 * A job the caller's list page read answers its `job(id)` (src/server/response-cache/listed-jobs.ts),
 * over HTTP, counted from the simulator request by request: no `GET /jobs/{id}`, the same answer as
 * one asked of the upstream, and cached only for what is left of the job's time-to-live counted from
 * the list's call. Never another token's list, never past that time, never after an eviction (the
 * caller's own mutation, a live-update change), never on a mutation, never without the cache.
 *
 * The simulator runs on a manual clock (a job holds its status until the spec moves it), the gateway
 * on a clock of its own that the spec moves to age what it keeps.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResponseTtlPolicy } from '../../src/schema/response-cache-policy.js';
import { ListedJobStore } from '../../src/server/response-cache/listed-jobs.js';
import { cacheIdentity } from '../../src/server/response-cache/cache-identity.js';
import type { Credentials } from '../../src/upstream/types.js';
import type { Job } from '../../src/upstream/schemas.js';
import { jobHeldAt, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { ACME_1, ACME_2, ask, CACHE_TENANTS, LONG_TTLS, type Answer } from '../harness/response-cache.js';
import { subscribeSse } from '../harness/sse.js';
import { eventually, startStack, type Stack } from '../harness/stack.js';

const JOB_SECONDS = 100;
/** A queued job's answers live a minute; everything else ten. */
const QUEUED_TTL_MS = 60_000;
const POLICY: ResponseTtlPolicy = {
  coordinates: LONG_TTLS.coordinates,
  jobs: { ...LONG_TTLS.jobs, queued: QUEUED_TTL_MS },
};
const LIST = '{ jobs(first: 50) { edges { node { id name status } } } }';
/** What a dashboard's job page asks: the job, its settings and its loss curve. */
const DETAIL =
  'query($id: ID!) { job(id: $id) { id name status baseModelId createdAt startedAt completedAt datasetId ' +
  'answerColumn hyperparameters { batchSize learningRate nEpochs lora { r alpha } } ' +
  'metrics { trainingSteps latest { step trainingLoss } points { step trainingLoss } } } }';
const WATCH = 'subscription($id: ID!) { jobUpdated(id: $id) { status } }';
const JOB_CALL = 'GET /jobs/{id}';
const METRICS_CALL = 'GET /jobs/{id}/metrics';
/** What a job page costs when its job is asked of the upstream. */
const ASKED = { [JOB_CALL]: 1, [METRICS_CALL]: 1 };

const simulatorClock = manualClock(JOB_SECONDS);
let gatewayTime = Date.now();
let stack: Stack;
let datasetId: string;

beforeAll(async () => {
  stack = await startStack({
    http: true,
    simulator: { jobSeconds: JOB_SECONDS, now: simulatorClock.now, tenants: CACHE_TENANTS },
    gateway: { now: () => gatewayTime },
    responseCache: { policy: POLICY },
  });
  datasetId = (await seedDataset(stack, ACME_1, 'listed')).datasetId;
});
afterAll(() => stack.close());
beforeEach(() => {
  gatewayTime += 24 * 3_600_000; // whatever an earlier case kept has run out
});

const queuedJob = (name: string) => jobHeldAt(stack, ACME_1, datasetId, simulatorClock, name, 0.05);

const over = { over: 'http' as const };
let lists = 0;
/** The caller's list, read from the upstream (a query of its own each time: never a cached answer). */
async function list(creds: Credentials): Promise<Answer> {
  lists += 1;
  const page = await ask(stack, `query List${lists} ${LIST}`, {}, creds, over);
  expect(page.calls).toEqual({ 'GET /jobs': 1 });
  return page;
}
const detail = (id: string, creds: Credentials) => ask(stack, DETAIL, { id }, creds, over);
const maxAge = (answer: Answer) => answer.headers.get('cache-control');

describe("a job of the caller's list page answers its job(id)", () => {
  it('without GET /jobs/{id}: the same answer as one asked of the upstream, cached for what is left', async () => {
    const job = await queuedJob('listed');
    const page = await list(ACME_1);
    expect(page.body.data?.jobs.edges.map((e: any) => e.node.id)).toContain(job.id);

    gatewayTime += 20_000;
    const fromList = await detail(job.id, ACME_1);
    expect(fromList.body.errors).toBeUndefined();
    expect(fromList.calls).toEqual({ [METRICS_CALL]: 1 });
    // The job's minute counted from the list's call: 40 s left, not a minute from now.
    expect(maxAge(fromList)).toBe('private, max-age=40');

    // The organization's other token lists nothing here: it asks the upstream, and gets the same answer.
    const asked = await detail(job.id, ACME_2);
    expect(asked.calls).toEqual(ASKED);
    expect(maxAge(asked)).toBe('private, max-age=60');
    expect(fromList.body).toEqual(asked.body);
  });

  it("never another token's list, even of the same organization", async () => {
    const job = await queuedJob('listed by one token');
    await list(ACME_2);
    expect((await detail(job.id, ACME_1)).calls).toEqual(ASKED);
  });

  it("not once the job's time-to-live has run out since the list's call", async () => {
    const job = await queuedJob('listed long ago');
    await list(ACME_1);
    gatewayTime += QUEUED_TTL_MS;
    const late = await detail(job.id, ACME_1);
    expect(late.calls).toEqual(ASKED);
    expect(maxAge(late)).toBe('private, max-age=60');
  });

  it("not after the caller's own mutation: the job cancelled shows cancelled", async () => {
    const job = await queuedJob('listed, then cancelled');
    await list(ACME_1);
    const cancelled = await ask(
      stack,
      'mutation($id: ID!) { cancelJob(id: $id) { id } }',
      { id: job.id },
      ACME_1,
      over,
    );
    expect(cancelled.body.errors).toBeUndefined();
    const read = await detail(job.id, ACME_1);
    expect(read.calls).toEqual(ASKED);
    expect(read.body.data?.job.status).toBe('CANCELLED');
  });

  it('not after a live-update poller saw the job change: the job read anew shows its new status', async () => {
    const job = await queuedJob('listed, then seen changing');
    const fetchIn = (url: string, init: RequestInit) => Promise.resolve(stack.gateway.yoga.fetch(url, init));
    const watch = subscribeSse(fetchIn, 'http://gateway.test', WATCH, { id: job.id }, ACME_1);
    await eventually(() => (watch.events.length > 0 ? true : undefined), 10_000, 'the first event');
    await list(ACME_1);
    simulatorClock.at(job, 0.5);
    await eventually(
      () => (watch.events.some((e) => e.data?.jobUpdated.status === 'RUNNING') ? true : undefined),
      10_000,
      'the poller to see the job running',
    );
    watch.abort();
    const read = await detail(job.id, ACME_1);
    expect(read.calls).toEqual(ASKED);
    expect(read.body.data?.job.status).toBe('RUNNING');
  });

  it("not after another token of the account ran a mutation (the account's answers are evicted)", async () => {
    const job = await queuedJob('listed, then the account changed');
    await list(ACME_1);
    const refused = await ask(
      stack,
      'mutation { cancelJob(id: "job-00000000000000000000ffff") { id } }',
      {},
      ACME_2,
      over,
    );
    expect(refused.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect((await detail(job.id, ACME_1)).calls).toEqual(ASKED);
  });
});

describe('without the response cache', () => {
  let plain: Stack;
  beforeAll(async () => {
    plain = await startStack({
      http: true,
      simulator: { jobSeconds: JOB_SECONDS, now: simulatorClock.now, tenants: CACHE_TENANTS },
      gateway: { responseCache: null },
    });
  });
  afterAll(() => plain.close());

  it('every job(id) asks the upstream', async () => {
    const { datasetId: own } = await seedDataset(plain, ACME_1, 'plain');
    const job = await jobHeldAt(plain, ACME_1, own, simulatorClock, 'listed, no cache', 0.05);
    await ask(plain, LIST, {}, ACME_1, over);
    expect((await ask(plain, DETAIL, { id: job.id }, ACME_1, over)).calls).toEqual({
      [JOB_CALL]: 1,
      [METRICS_CALL]: 1,
    });
  });
});

describe('the store of listed jobs', () => {
  const policy = POLICY;
  const caller = cacheIdentity('nscale', ACME_1);
  const sibling = cacheIdentity('nscale', ACME_2);
  const job = (id: string, status: Job['status'], name = id) => ({ id, status, name }) as unknown as Job;

  it('keeps, of two lists answered out of order, the one asked later', () => {
    let now = 1_000_000;
    const store = new ListedJobStore({ policy, now: () => now, maxEntries: 100 });
    const context = {};
    const view = store.forRequest(caller, context);
    view.remember([job('j1', 'running', 'newer')], now - 10);
    view.remember([job('j1', 'queued', 'older')], now - 20);
    expect(view.recall('j1')?.name).toBe('newer');
    now += policy.jobs.running - 10;
    expect(view.recall('j1')).toBeUndefined();
  });

  it("drops a job evicted by id, and all of an account's on its eviction; keeps no job already too old", () => {
    const now = 5_000_000;
    const store = new ListedJobStore({ policy, now: () => now, maxEntries: 100 });
    const view = store.forRequest(caller, {});
    view.remember([job('a', 'queued'), job('b', 'queued')], now);
    store.forRequest(sibling, {}).remember([job('a', 'queued')], now);
    store.evict([{ typename: 'Job', id: 'a' }]);
    expect(view.recall('a')).toBeUndefined();
    expect(store.forRequest(sibling, {}).recall('a')).toBeUndefined();
    expect(view.recall('b')?.id).toBe('b');
    store.evict([{ typename: '#account', id: caller.scope }]);
    expect(view.recall('b')).toBeUndefined();

    view.remember([job('c', 'queued')], now - QUEUED_TTL_MS);
    expect(store.size).toBe(0);
  });
});
