/**
 * The response cache on Together (ids `together:…`), counted from what each request cost the Together
 * simulator: a repeated query costs nothing; two keys, even of one Together account, never share an
 * answer (the gateway cannot tell they are one account, so each key is its own); a change seen by
 * Together's live-update poller evicts the job at once; the key's own createJob shows in its list;
 * Together's list holds truncated jobs, so `job(id)` never takes one from it.
 * On a manual clock, with ten-minute times-to-live: an answer that changes was evicted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../harness/manual-clock.js';
import { ask, LONG_TTLS } from '../harness/response-cache.js';
import { subscribeSse } from '../harness/sse.js';
import { eventually, startStack, type Stack } from '../harness/stack.js';
import { uploadedId, uploadQaCsv } from '../harness/together-job.js';
import type { Credentials } from '../../src/upstream/types.js';

const JOB_SECONDS = 100;
const clock = manualClock(JOB_SECONDS);
const KEY_1: Credentials = { token: 'tg-key-1', organizationId: '' };
const KEY_2: Credentials = { token: 'tg-key-2', organizationId: '' }; // the same Together account
const KEY_3: Credentials = { token: 'tg-key-3', organizationId: '' }; // another account
const MODEL = 'meta-llama/Llama-3.2-3B-Instruct';
let stack: Stack;
let fileId: string;

beforeAll(async () => {
  stack = await startStack({
    togetherSimulator: {
      jobSeconds: JOB_SECONDS,
      now: clock.now,
      tenants: [
        { token: KEY_1.token, accountId: 'tg-acme' },
        { token: KEY_2.token, accountId: 'tg-acme' },
        { token: KEY_3.token, accountId: 'tg-globex' },
      ],
    },
    responseCache: { policy: LONG_TTLS },
  });
  fileId = await upload(KEY_1);
});
afterAll(() => stack.close());

const onTogether = (query: string, variables: Record<string, unknown>, creds: Credentials) =>
  ask(stack, query, variables, creds, { headers: { 'x-provider': 'together' }, upstream: stack.togetherSimulator! });

async function upload(creds: Credentials): Promise<string> {
  return uploadedId(
    await uploadQaCsv(stack.gateway, { authorization: `Bearer ${creds.token}`, 'x-provider': 'together' }),
  );
}

const CREATE = 'mutation($i: CreateJobInput!) { createJob(input: $i) { id createdAt } }';
async function createJob(creds: Credentials, name: string): Promise<{ id: string; createdAt: Date }> {
  const created = await onTogether(
    CREATE,
    { i: { name, baseModelId: MODEL, files: { trainingFileId: fileId } } },
    creds,
  );
  expect(created.body.errors).toBeUndefined();
  const job = created.body.data!.createJob;
  return { id: job.id, createdAt: new Date(job.createdAt) };
}

const JOBS = '{ jobs(first: 50) { totalCount edges { node { id status } } } }';
const JOB = 'query($id: ID!) { job(id: $id) { id status } }';
const ids = (answer: { body: { data?: any } }): string[] => answer.body.data?.jobs.edges.map((e: any) => e.node.id);

describe('the response cache on Together', () => {
  it('answers a repeated query from the cache, and never across two keys, even of one account', async () => {
    const job = await createJob(KEY_1, 'listed');
    clock.at(job, 0.02);
    expect(job.id).toMatch(/^together:/);
    const first = await onTogether(JOBS, {}, KEY_1);
    expect(first.body.errors).toBeUndefined();
    expect(Object.keys(first.calls).length).toBeGreaterThan(0);
    expect(ids(first)).toContain(job.id);
    const again = await onTogether(JOBS, {}, KEY_1);
    expect(again.calls).toEqual({});
    expect(again.body).toEqual(first.body);

    const sibling = await onTogether(JOBS, {}, KEY_2);
    expect(sibling.calls).toEqual(first.calls);
    expect(ids(sibling)).toEqual(ids(first));
    const other = await onTogether(JOBS, {}, KEY_3);
    expect(other.calls).toEqual(first.calls);
    expect(ids(other)).not.toContain(job.id);
    // The same document and key on Nscale is another caller too (and refused there: not Nscale's key).
    const nscale = await ask(stack, JOBS, {}, { token: KEY_1.token, organizationId: 'acme' });
    expect(nscale.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("evicts a job at once when Together's poller sees it change", async () => {
    const job = await createJob(KEY_1, 'watched');
    clock.at(job, 0.02);
    const fetchIn = (url: string, init: RequestInit) =>
      Promise.resolve(
        stack.gateway.yoga.fetch(url, { ...init, headers: { ...(init.headers as object), 'x-provider': 'together' } }),
      );
    const watch = subscribeSse(
      fetchIn,
      'http://localhost',
      'subscription($id: ID!) { jobUpdated(id: $id) { status } }',
      { id: job.id },
      KEY_1,
    );
    await eventually(() => (watch.events.length > 0 ? true : undefined), 10_000, 'the first event');
    await onTogether(JOB, { id: job.id }, KEY_1);
    const cached = await onTogether(JOB, { id: job.id }, KEY_1);
    expect(cached.calls).toEqual({});
    expect(cached.body.data?.job.status).toBe('QUEUED');

    clock.at(job, 0.5);
    await eventually(
      () => (watch.events.some((e) => e.data?.jobUpdated.status === 'RUNNING') ? true : undefined),
      10_000,
      'the poller to see the job running',
    );
    const fresh = await onTogether(JOB, { id: job.id }, KEY_1);
    expect(fresh.body.data?.job.status).toBe('RUNNING');
    expect(Object.keys(fresh.calls).length).toBeGreaterThan(0);
    watch.abort();
  });

  it("never answers job(id) from a list: Together's holds a truncated job, job(id) asks for the full one", async () => {
    const job = await createJob(KEY_1, 'listed-then-opened');
    clock.at(job, 0.02);
    const listed = await onTogether(`query Listed ${JOBS}`, {}, KEY_1);
    expect(listed.calls).toEqual({ 'GET /fine-tunes': 1 });
    expect((await onTogether(JOB, { id: job.id }, KEY_1)).calls).toEqual({ 'GET /fine-tunes/{id}': 1 });
    // Nor within one request.
    const both = await onTogether(
      `query Both($id: ID!) { jobs(first: 50) { totalCount } job(id: $id) { id status } }`,
      { id: job.id },
      KEY_1,
    );
    expect(both.calls).toEqual({ 'GET /fine-tunes': 1, 'GET /fine-tunes/{id}': 1 });
  });

  it("shows the key's own new job in its list at once", async () => {
    const before = await onTogether(JOBS, {}, KEY_1);
    expect((await onTogether(JOBS, {}, KEY_1)).calls).toEqual({});
    const job = await createJob(KEY_1, 'created');
    const after = await onTogether(JOBS, {}, KEY_1);
    expect(after.body.data?.jobs.totalCount).toBe(before.body.data?.jobs.totalCount + 1);
    expect(ids(after)).toContain(job.id);
  });
});
