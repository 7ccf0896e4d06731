/**
 * The response cache per caller (issue 22), in-process with the memory store, counted from what each
 * request cost the simulator: a repeated query costs the upstream nothing; two tenants and two tokens
 * of one organization never get each other's cached answer (nor does a caller the upstream refuses);
 * a job change seen by a live-update poller evicts the cached job and the account's job lists at
 * once; the caller's own createJob and cancelJob evict its organization's answers (the other tokens of
 * the organization included, no other organization's).
 *
 * The simulator runs on a manual clock (a job holds its status until the spec moves it) and the
 * cache on ten-minute times-to-live: an answer that changes can only have been evicted.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { ACME_1, ACME_2, ask, ask as askIn, CACHE_TENANTS, GLOBEX, LONG_TTLS } from '../harness/response-cache.js';
import { subscribeSse } from '../harness/sse.js';
import { eventually, startStack, type Stack } from '../harness/stack.js';
import { subscribeWs, wsClient } from '../harness/ws.js';
import type { Credentials } from '../../src/upstream/types.js';

const JOB_SECONDS = 100;
const JOBS = '{ jobs(first: 50) { totalCount edges { node { id name status } } } }';
const JOB = 'query($id: ID!) { job(id: $id) { id status } }';

/**
 * The same specs asked in-process (yoga.fetch: hits served by yoga's response-cache plugin) and over
 * HTTP (hits answered before yoga, src/server/response-cache/fast-hits.ts), each on a stack of its own.
 */
describe.each([{ over: undefined }, { over: 'http' as const }])('the response cache (over: $over)', ({ over }) => {
  const clock = manualClock(JOB_SECONDS);
  let stack: Stack;
  const datasets = new Map<Credentials, string>();

  beforeAll(async () => {
    stack = await startStack({
      http: over === 'http',
      simulator: { jobSeconds: JOB_SECONDS, now: clock.now, tenants: CACHE_TENANTS },
      responseCache: { policy: LONG_TTLS },
    });
    for (const creds of [ACME_1, GLOBEX]) datasets.set(creds, (await seedDataset(stack, creds, 'rc')).datasetId);
  });
  afterAll(() => stack.close());

  const createJob = async (creds: Credentials, name: string) => {
    const job = await stack.client.createJob(creds, {
      name,
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasets.get(creds === ACME_2 ? ACME_1 : creds)!, answerColumn: 'answer' },
    });
    clock.at(job, 0.05); // queued until the spec moves it
    return job;
  };

  const ask: typeof askIn = (on, query, variables, creds, options = {}) =>
    askIn(on, query, variables, creds, { ...options, over });

  it('answers a repeated query from the cache: no upstream call, the same answer', async () => {
    await createJob(ACME_1, 'repeat');
    const first = await ask(stack, JOBS, {}, ACME_1);
    expect(first.body.errors).toBeUndefined();
    expect(first.calls).toEqual({ 'GET /jobs': 1 });
    const again = await ask(stack, JOBS, {}, ACME_1);
    expect(again.calls).toEqual({});
    expect(again.body).toEqual(first.body);
  });

  it("never hands a caller another's answer: another tenant, another token of the organization, a refused token", async () => {
    await createJob(GLOBEX, 'globex only');
    const acme = await ask(stack, JOBS, {}, ACME_1);
    const names = (answer: typeof acme) => answer.body.data!.jobs.edges.map((e: any) => e.node.name);

    // Another token of the same organization: its own upstream call, the same organization's jobs.
    const sibling = await ask(stack, JOBS, {}, ACME_2);
    expect(sibling.calls).toEqual({ 'GET /jobs': 1 });
    expect(names(sibling)).toEqual(names(acme));
    // Another tenant: its own call, its own jobs only.
    const globex = await ask(stack, JOBS, {}, GLOBEX);
    expect(globex.calls).toEqual({ 'GET /jobs': 1 });
    expect(names(globex)).toEqual(['globex only']);
    expect(names(acme)).not.toContain('globex only');
    // A token the upstream does not know, claiming the organization: refused by the upstream, not served.
    const stranger = await ask(stack, JOBS, {}, { token: 'not-a-token', organizationId: 'acme' });
    expect(stranger.calls).toEqual({ 'GET /jobs': 1 });
    expect(stranger.body.data ?? null).toBeNull();
    expect(stranger.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // A real token naming another organization: the upstream decides, not the cache.
    const astray = await ask(stack, JOBS, {}, { token: ACME_1.token, organizationId: 'globex' });
    expect(astray.calls).toEqual({ 'GET /jobs': 1 });
    expect(astray.body.data ?? null).toBeNull();
    // No credentials (no default ones here): refused before the upstream, and nothing cached is shown.
    const nobody = await ask(stack, JOBS, {}, null);
    expect(nobody.calls).toEqual({});
    expect(nobody.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // Each caller's answer is its own entry: each repeats for free, and gets its own answer back.
    for (const [creds, expected] of [
      [ACME_1, acme],
      [ACME_2, sibling],
      [GLOBEX, globex],
    ] as const) {
      const repeat = await ask(stack, JOBS, {}, creds);
      expect(repeat.calls).toEqual({});
      expect(repeat.body).toEqual(expected.body);
    }
    // A refused caller's error was not cached either: asking again asks the upstream again.
    expect((await ask(stack, JOBS, {}, { token: 'not-a-token', organizationId: 'acme' })).calls).toEqual({
      'GET /jobs': 1,
    });
  });

  it('evicts a job at once when a live-update poller sees it change, and the lists it may enter', async () => {
    const job = await createJob(ACME_1, 'watched');
    const fetchIn = (url: string, init: RequestInit) => Promise.resolve(stack.gateway.yoga.fetch(url, init));
    const watch = subscribeSse(
      fetchIn,
      'http://gateway.test',
      'subscription($id: ID!) { jobUpdated(id: $id) { status } }',
      { id: job.id },
      ACME_1,
    );
    await eventually(() => (watch.events.length > 0 ? true : undefined), 10_000, 'the first event');
    const RUNNING = '{ jobs(first: 50, status: RUNNING) { edges { node { id } } } }';
    // A job whose id the query leaves out (`@include` false) is tied to its answer all the same.
    const WITHOUT_ID = 'query($id: ID!, $withId: Boolean!) { job(id: $id) { status id @include(if: $withId) } }';
    const runningIds = (answer: { body: { data?: any } }) => answer.body.data?.jobs.edges.map((e: any) => e.node.id);
    for (const [query, variables] of [
      [JOB, { id: job.id }],
      [RUNNING, {}],
      [WITHOUT_ID, { id: job.id, withId: false }],
    ] as const) {
      await ask(stack, query, variables, ACME_1);
      expect((await ask(stack, query, variables, ACME_1)).calls).toEqual({}); // cached as queued
    }
    expect((await ask(stack, JOB, { id: job.id }, ACME_1)).body.data?.job.status).toBe('QUEUED');
    expect(runningIds(await ask(stack, RUNNING, {}, ACME_1))).not.toContain(job.id);

    clock.at(job, 0.5); // running, as the poller will see at its next poll
    await eventually(
      () => (watch.events.some((e) => e.data?.jobUpdated.status === 'RUNNING') ? true : undefined),
      10_000,
      'the poller to see the job running',
    );
    const detail = await ask(stack, JOB, { id: job.id }, ACME_1);
    expect(detail.body.data?.job.status).toBe('RUNNING');
    expect(detail.calls).toEqual({ 'GET /jobs/{id}': 1 });
    const running = await ask(stack, RUNNING, {}, ACME_1);
    expect(runningIds(running)).toContain(job.id);
    const withoutId = await ask(stack, WITHOUT_ID, { id: job.id, withId: false }, ACME_1);
    expect(withoutId.body.data).toEqual({ job: { status: 'RUNNING' } });
    watch.abort();
  });

  it("evicts the organization's answers after its own createJob, for its other tokens too, and no one else's", async () => {
    const COUNT = '{ jobs(first: 1) { totalCount } }';
    const before = new Map<Credentials, number>();
    for (const creds of [ACME_1, ACME_2, GLOBEX]) {
      before.set(creds, (await ask(stack, COUNT, {}, creds)).body.data!.jobs.totalCount);
      expect((await ask(stack, COUNT, {}, creds)).calls).toEqual({});
    }
    const created = await ask(
      stack,
      'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }',
      {
        i: {
          name: 'new one',
          baseModelId: LLAMA_INSTRUCT,
          dataset: { id: datasets.get(ACME_1), answerColumn: 'answer' },
        },
      },
      ACME_1,
    );
    expect(created.body.errors).toBeUndefined();
    expect(created.calls['POST /jobs']).toBe(1);

    for (const creds of [ACME_1, ACME_2]) {
      const after = await ask(stack, COUNT, {}, creds);
      expect(after.calls).toEqual({ 'GET /jobs': 1 });
      expect(after.body.data!.jobs.totalCount).toBe(before.get(creds)! + 1);
    }
    const untouched = await ask(stack, COUNT, {}, GLOBEX);
    expect(untouched.calls).toEqual({});
    expect(untouched.body.data!.jobs.totalCount).toBe(before.get(GLOBEX));
  });

  it("a mutation the upstream refuses the caller for (a made-up token, another organization's) evicts nothing", async () => {
    const COUNT = '{ jobs(first: 2) { totalCount } }';
    await ask(stack, COUNT, {}, ACME_1);
    expect((await ask(stack, COUNT, {}, ACME_1)).calls).toEqual({});
    const DELETE = 'mutation { deleteDataset(id: "nope") }';
    const madeUp = { token: 'made-up-token', organizationId: 'acme' };
    const globexAsAcme = { token: GLOBEX.token, organizationId: 'acme' };
    for (const creds of [madeUp, globexAsAcme]) {
      const refused = await ask(stack, DELETE, {}, creds);
      expect(refused.body.errors?.[0]?.extensions?.code).toMatch(/^(UNAUTHENTICATED|FORBIDDEN)$/);
      // ACME's answer is still served from the cache.
      expect((await ask(stack, COUNT, {}, ACME_1)).calls).toEqual({});
    }
    // The organization's own token, refused by the upstream for what it asked (NOT_FOUND), may have changed something: evicted.
    const own = await ask(stack, DELETE, {}, ACME_2);
    expect(own.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await ask(stack, COUNT, {}, ACME_1)).calls).toEqual({ 'GET /jobs': 1 });
  });

  it('evicts a job the caller cancels, and the lists it enters: the next reads show it cancelled', async () => {
    const job = await createJob(ACME_1, 'to cancel');
    const CANCELLED = '{ jobs(first: 50, status: CANCELLED) { edges { node { id } } } }';
    const cancelledIds = async (creds: Credentials) =>
      (await ask(stack, CANCELLED, {}, creds)).body.data?.jobs.edges.map((e: any) => e.node.id);
    expect(await cancelledIds(ACME_2)).not.toContain(job.id);
    expect((await ask(stack, CANCELLED, {}, ACME_2)).calls).toEqual({});
    expect((await ask(stack, JOB, { id: job.id }, ACME_1)).body.data?.job.status).toBe('QUEUED');
    expect((await ask(stack, JOB, { id: job.id }, ACME_2)).calls).toEqual({ 'GET /jobs/{id}': 1 });
    expect((await ask(stack, JOB, { id: job.id }, ACME_1)).calls).toEqual({});

    const cancelled = await ask(
      stack,
      'mutation($id: ID!) { cancelJob(id: $id) { id status } }',
      { id: job.id },
      ACME_1,
    );
    expect(cancelled.body.data?.cancelJob.status).toBe('CANCELLED');
    for (const creds of [ACME_1, ACME_2]) {
      const read = await ask(stack, JOB, { id: job.id }, creds);
      expect(read.calls).toEqual({ 'GET /jobs/{id}': 1 });
      expect(read.body.data?.job.status).toBe('CANCELLED');
    }
    // The organization's other token's list of cancelled jobs held no such job: it is evicted all the same.
    expect(await cancelledIds(ACME_2)).toContain(job.id);
  });
});

describe('the response cache and WebSocket operations', () => {
  const clock = manualClock(JOB_SECONDS);
  let served: Stack;
  beforeAll(async () => {
    served = await startStack({
      http: true,
      simulator: { jobSeconds: JOB_SECONDS, now: clock.now, tenants: CACHE_TENANTS },
      responseCache: { policy: LONG_TTLS },
    });
  });
  afterAll(() => served.close());

  it("a mutation over graphql-ws evicts its organization's answers cached over HTTP", async () => {
    const { datasetId } = await seedDataset(served, ACME_1, 'ws');
    const COUNT = '{ jobs(first: 1) { totalCount } }';
    const before = (await ask(served, COUNT, {}, ACME_2)).body.data!.jobs.totalCount;
    expect((await ask(served, COUNT, {}, ACME_2)).calls).toEqual({});
    const client = wsClient(served.server!.url, ACME_1);
    try {
      const created = subscribeWs(client, 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', {
        i: { name: 'over ws', baseModelId: LLAMA_INSTRUCT, dataset: { id: datasetId, answerColumn: 'answer' } },
      });
      await created.done;
      expect(created.events[0]?.errors).toBeUndefined();
    } finally {
      await client.dispose();
    }
    const after = await ask(served, COUNT, {}, ACME_2);
    expect(after.calls).toEqual({ 'GET /jobs': 1 });
    expect(after.body.data!.jobs.totalCount).toBe(before + 1);
  });
});

describe("the response cache and a token's expiry", () => {
  const SECRET = 'response-cache-spec-secret';
  const expiring = manualClock(JOB_SECONDS);
  let jwtStack: Stack;
  beforeAll(async () => {
    jwtStack = await startStack({
      simulator: { jobSeconds: JOB_SECONDS, now: expiring.now, jwtSecret: SECRET },
      gateway: { now: expiring.now },
      responseCache: { policy: LONG_TTLS },
    });
  });
  afterAll(() => jwtStack.close());

  it('keeps an answer no longer than its token lives, and serves an expired token nothing cached', async () => {
    expiring.set(Math.floor(expiring.now() / 1000) * 1000); // on a whole second: max-age is whole seconds
    const exp = expiring.now() / 1000 + 30;
    const token = await new SignJWT({ organization_id: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
    const caller = { token, organizationId: 'acme' };
    const stored = await ask(jwtStack, JOBS, {}, caller);
    expect(stored.body.errors).toBeUndefined();
    expect(stored.headers.get('cache-control')).toBe('private, max-age=30');
    expect((await ask(jwtStack, JOBS, {}, caller)).calls).toEqual({});

    expiring.set(exp * 1000 + 1); // the token has expired: the upstream says so, not the cache
    const expired = await ask(jwtStack, JOBS, {}, caller);
    expect(expired.calls).toEqual({ 'GET /jobs': 1 });
    expect(expired.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
