/**
 * What a response says of itself with the response cache on (`Cache-Control`, `Age`, `Vary`), with
 * the schema's own times-to-live (src/schema/response-cache-policy.ts): a type's, a job's by its
 * status, a field's that shortens it, and `no-store` for errors, mutations, what is never cached and
 * a conditional request. And the one setting that turns it all off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESPONSE_TTL_POLICY, responseTtlPolicy } from '../../src/schema/response-cache-policy.js';
import { createGatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import { jobHeldAt, LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { sha256Hex } from '../../src/server/sha256-hex.js';
import { ACME_1, ACME_2, ask, CACHE_TENANTS } from '../harness/response-cache.js';
import { startStack, type Stack } from '../harness/stack.js';

const JOB_SECONDS = 100;
/**
 * The live updates' poll intervals of this gateway, unlike the defaults (5 s and 5 s): the times-to-live
 * of a job and a list follow them.
 */
const POLLING = { POLL_INTERVAL_QUEUED_MS: '3000', POLL_INTERVAL_LIST_MS: '7000' };
const POLICY = responseTtlPolicy({ queuedMs: 3_000, listMs: 7_000 });
const clock = manualClock(JOB_SECONDS);
const metrics = createGatewayMetrics({ processMetrics: false, responseCache: true });
let stack: Stack;
let datasetId: string;

beforeAll(async () => {
  stack = await startStack({
    simulator: { jobSeconds: JOB_SECONDS, now: clock.now, tenants: CACHE_TENANTS },
    gateway: { metrics },
    env: POLLING,
  });
  ({ datasetId } = await seedDataset(stack, ACME_1, 'headers'));
});
afterAll(() => stack.close());

const seconds = (ms: number) => `private, max-age=${ms / 1000}`;

describe('response headers with the response cache on', () => {
  it('an answer stored says for how long, privately; the same answer from the cache says how old it is', async () => {
    const stored = await ask(stack, '{ datasets { id name } }');
    expect(stored.calls).toEqual({ 'GET /datasets': 1 });
    expect(stored.headers.get('cache-control')).toBe(seconds(RESPONSE_TTL_POLICY.coordinates.Dataset!));
    expect(stored.headers.get('age')).toBe('0');
    expect(stored.headers.get('vary')).toMatch(/Origin/);
    for (const name of ['Authorization', 'X-Organization-Id', 'X-Provider', 'Accept'])
      expect(stored.headers.get('vary')).toContain(name);
    // No validator: the cache never answers a conditional request (see the no-store case below).
    expect(stored.headers.get('etag')).toBeNull();
    expect(stored.headers.get('last-modified')).toBeNull();

    const hit = await ask(stack, '{ datasets { id name } }');
    expect(hit.calls).toEqual({});
    expect(hit.headers.get('cache-control')).toBe(seconds(RESPONSE_TTL_POLICY.coordinates.Dataset!));
    expect(Number(hit.headers.get('age'))).toBeGreaterThanOrEqual(0);
    expect(hit.headers.get('etag')).toBeNull();
    // What the cache marks in a result to say this stays out of the body.
    expect(hit.body).toEqual(stored.body);
    expect(Object.keys(hit.body)).toEqual(['data']);
    expect(Object.keys(stored.body)).toEqual(['data']);
  });

  it("a job's answer lives by its status (as long as the gateway's polls take to learn of a change), and a download link shortens it", async () => {
    expect(RESPONSE_TTL_POLICY.jobs.running).not.toBe(7_000); // the defaults would not pass below
    const job = await stack.client.createJob(ACME_1, {
      name: 'statuses',
      baseModelId: LLAMA_INSTRUCT,
      dataset: { id: datasetId, answerColumn: 'answer' },
    });
    const read = async (selection: string) =>
      (await ask(stack, `query($id: ID!) { job(id: $id) { ${selection} } }`, { id: job.id })).headers.get(
        'cache-control',
      );
    clock.at(job, 0.05);
    expect(await read('status')).toBe('private, max-age=3');
    clock.at(job, 0.5); // a new document: the queued answer above is still cached for its own
    expect(await read('status name')).toBe('private, max-age=7');
    // An `id` that may be skipped still lets the cache know the job, and so its status.
    expect(await read('status id @skip(if: true)')).toBe('private, max-age=7');
    clock.at(job, 1.05);
    expect(await read('status name id')).toBe(seconds(POLICY.jobs.completed));
    expect(await read('status downloadUrl')).toBe(seconds(RESPONSE_TTL_POLICY.coordinates['Job.downloadUrl']!));
    // A list holding it lives no longer than the list's own time-to-live.
    const list = await ask(stack, '{ jobs(first: 5) { edges { node { id status } } } }');
    expect(list.headers.get('cache-control')).toBe('private, max-age=7');
  });

  it('no-store for errors, mutations, what is never cached, and a conditional request, which is answered in full', async () => {
    const missing = await ask(stack, 'query($id: ID!) { job(id: $id) { id } }', { id: 'job-nope' });
    expect(missing.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(missing.headers.get('cache-control')).toBe('no-store');
    expect(missing.headers.get('etag')).toBeNull();
    expect(missing.headers.get('last-modified')).toBeNull();
    // Errors are never cached: asking again asks the upstream again.
    expect((await ask(stack, 'query($id: ID!) { job(id: $id) { id } }', { id: 'job-nope' })).calls).toEqual({
      'GET /jobs/{id}': 1,
    });

    const mutation = await ask(stack, 'mutation($id: ID!) { deleteDataset(id: $id) }', { id: 'ds-nope' });
    expect(mutation.headers.get('cache-control')).toBe('no-store');

    // A type the policy neither lists nor reaches keeps the whole answer out: a webhook endpoint's state
    // changes behind the gateway's back (its worker), whatever the providers beside it.
    const mixed = await ask(stack, '{ providers { name } webhookEndpoints { id } }');
    expect(mixed.body.errors).toBeUndefined();
    expect(mixed.headers.get('cache-control')).toBe('no-store');

    const introspection = await ask(stack, '{ __schema { queryType { name } } }');
    expect(introspection.body.errors).toBeUndefined();
    expect(introspection.headers.get('cache-control')).toBe('no-store');
    const estimate = 'query($i: CreateJobInput!) { costEstimate(input: $i) { cost } }';
    const input = {
      i: { name: 'priced', baseModelId: LLAMA_INSTRUCT, dataset: { id: datasetId, answerColumn: 'answer' } },
    };
    const priced = await ask(stack, estimate, input);
    expect(priced.body.errors).toBeUndefined();
    expect(priced.headers.get('cache-control')).toBe('no-store');
    expect((await ask(stack, estimate, input)).calls['POST /jobs']).toBe(1); // the dry run, again

    const COUNT = '{ jobs(first: 1) { totalCount } }';
    const stored = await ask(stack, COUNT);
    expect((await ask(stack, COUNT)).calls).toEqual({});
    const conditional = await ask(stack, COUNT, {}, ACME_1, { headers: { 'if-none-match': '"any"' } });
    expect(conditional.status).toBe(200);
    expect(conditional.calls).toEqual({ 'GET /jobs': 1 });
    expect(conditional.body).toEqual(stored.body);
    expect(conditional.headers.get('cache-control')).toBe('no-store');
  });
});

describe('the response cache and persisted queries', () => {
  it('serves a persisted query by its hash from the cache its text filled', async () => {
    const QUERY = '{ jobs(first: 3) { totalCount } }';
    const persisted = { persistedQuery: { version: 1, sha256Hash: sha256Hex(QUERY) } };
    const registered = await ask(stack, QUERY, {}, ACME_1, { extensions: persisted });
    expect(registered.body.errors).toBeUndefined();
    expect(registered.calls).toEqual({ 'GET /jobs': 1 });
    const byHash = await ask(stack, null, {}, ACME_1, { extensions: persisted });
    expect(byHash.calls).toEqual({});
    expect(byHash.body).toEqual(registered.body);
    // Another caller's hash-only request: the hash is not its own yet (APQ is per caller), nor the answer.
    const stranger = await ask(stack, null, {}, ACME_2, { extensions: persisted });
    expect(stranger.calls).toEqual({});
    expect(stranger.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(stranger.body.data ?? null).toBeNull();
    const registers = await ask(stack, QUERY, {}, ACME_2, { extensions: persisted });
    expect(registers.calls).toEqual({ 'GET /jobs': 1 });
  });
});

describe('the response cache in the metrics', () => {
  it('counts each answer as a hit, stored, or uncached', async () => {
    const count = async () => {
      const text = await metrics.registry.metrics();
      return Object.fromEntries(
        ['hit', 'stored', 'uncached'].map((r) => [
          r,
          Number(new RegExp(`gateway_response_cache_answers_total\\{result="${r}"\\} (\\d+)`).exec(text)?.[1]),
        ]),
      );
    };
    const before = await count();
    await ask(stack, 'query Counted { datasets { id } }');
    await ask(stack, 'query Counted { datasets { id } }');
    await ask(stack, 'query Counted { datasets { id } }');
    await ask(stack, 'query($id: ID!) { job(id: $id) { id } }', { id: 'job-gone' });
    const after = await count();
    expect({
      hit: after.hit! - before.hit!,
      stored: after.stored! - before.stored!,
      uncached: after.uncached! - before.uncached!,
    }).toEqual({ hit: 2, stored: 1, uncached: 1 });
  });
});

describe('listed jobs in the metrics', () => {
  it("counts each job(id) as taken from the caller's listed jobs, or asked of the upstream", async () => {
    const count = async () => {
      const text = await metrics.registry.metrics();
      const read = (r: string) =>
        Number(new RegExp(`gateway_response_cache_listed_jobs_total\\{result="${r}"\\} (\\d+)`).exec(text)?.[1]);
      return { listed: read('listed'), asked: read('asked') };
    };
    const job = await jobHeldAt(stack, ACME_1, datasetId, clock, 'counted', 0.05);
    const before = await count();
    await ask(stack, 'query CountedList { jobs(first: 50) { edges { node { id } } } }');
    const listed = await ask(stack, 'query($id: ID!) { job(id: $id) { id status } }', { id: job.id });
    expect(listed.calls).toEqual({});
    const asked = await ask(stack, 'query($id: ID!) { job(id: $id) { id status } }', { id: job.id }, ACME_2);
    expect(asked.calls).toEqual({ 'GET /jobs/{id}': 1 });
    const after = await count();
    expect({ listed: after.listed - before.listed, asked: after.asked - before.asked }).toEqual({
      listed: 1,
      asked: 1,
    });
  });
});

describe('RESPONSE_CACHE_ENABLED=false', () => {
  let off: Stack;
  beforeAll(async () => {
    off = await startStack({
      env: { RESPONSE_CACHE_ENABLED: 'false' },
      simulator: { jobSeconds: JOB_SECONDS, now: clock.now, tenants: CACHE_TENANTS },
    });
  });
  afterAll(() => off.close());

  it('runs every query, and says nothing of caching', async () => {
    const COUNT = '{ jobs(first: 1) { totalCount } providers { name } }';
    for (let i = 0; i < 3; i++) {
      const answer = await ask(off, COUNT);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.calls).toEqual({ 'GET /jobs': 1 });
      expect(answer.headers.get('cache-control')).toBeNull();
      expect(answer.headers.get('age')).toBeNull();
      expect(answer.headers.get('etag')).toBeNull();
    }
  });
});
