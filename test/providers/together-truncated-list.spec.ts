/**
 * Together's `GET /fine-tunes` holds truncated jobs (no events), and a failed job's message is in its
 * events: `job(id)` must show the full job, its message included, in a document that also lists the
 * jobs and right after a list (the response cache keeps no Together list's jobs for `job(id)`); and
 * `jobs` must show the same message, read from the full job (`GET /fine-tunes/{id}`) once per failed
 * job and only when the message is selected. Every job of this simulator fails, mid-run: each key is
 * an account of its own, so that each spec counts the calls of its own jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../harness/manual-clock.js';
import { ask } from '../harness/response-cache.js';
import { startStack, type Stack } from '../harness/stack.js';
import { createTogetherJob } from '../harness/together-job.js';

const JOB_SECONDS = 100;
const KEY = { token: 'tg-fails', organizationId: '' };
const BOTH_KEY = { token: 'tg-fails-both', organizationId: '' };
const EARLY_KEY = { token: 'tg-early', organizationId: '' };
const TOGETHER = { authorization: `Bearer ${KEY.token}`, 'x-provider': 'together' };
const FAILURE = 'The training worker stopped unexpectedly (simulated failure); create the job again.';
const clock = manualClock(JOB_SECONDS);
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    togetherSimulator: {
      jobSeconds: JOB_SECONDS,
      now: clock.now,
      failureRate: 1,
      tenants: [KEY, BOTH_KEY, EARLY_KEY].map(({ token }) => ({ token, accountId: token })),
    },
  });
});
afterAll(() => stack.close());

const onTogether = (query: string, variables: Record<string, unknown>, key = KEY) =>
  ask(stack, query, variables, key, { headers: { 'x-provider': 'together' }, upstream: stack.togetherSimulator! });
const headersOf = (key: { token: string }) => ({ authorization: `Bearer ${key.token}`, 'x-provider': 'together' });

describe("a failed Together job's message, with its list", () => {
  it('is shown by job(id) in the document that lists the jobs, and right after the list', async () => {
    const job = await createTogetherJob(stack.gateway, TOGETHER, 'fails-listed');
    clock.at(job, 0.99);
    const both = await onTogether(
      'query($id: ID!) { jobs(first: 50) { edges { node { id status } } } job(id: $id) { status error { message } } }',
      { id: job.id },
    );
    expect(both.body.errors).toBeUndefined();
    expect(both.body.data?.jobs.edges).toContainEqual({ node: { id: job.id, status: 'FAILED' } });
    expect(both.body.data?.job).toEqual({ status: 'FAILED', error: { message: FAILURE } });

    const after = await onTogether('query($id: ID!) { job(id: $id) { error { message } } }', { id: job.id });
    expect(after.calls).toEqual({ 'GET /fine-tunes/{id}': 1 });
    expect(after.body.data?.job.error.message).toBe(FAILURE);
  });
});

describe("a failed Together job's message, in the list", () => {
  const JOBS_WITH_ERRORS = 'jobs(first: 50) { edges { node { id status error { code message } } } }';

  it('is the message job(id) shows, one detail read for both in one document, then served from the cache', async () => {
    const failed = await createTogetherJob(stack.gateway, headersOf(BOTH_KEY), 'fails-both');
    clock.at(failed, 0.99);
    const other = await createTogetherJob(stack.gateway, headersOf(BOTH_KEY), 'still-queued');
    const both = await onTogether(
      `query($id: ID!) { ${JOBS_WITH_ERRORS} job(id: $id) { id status error { code message } } }`,
      { id: failed.id },
      BOTH_KEY,
    );
    expect(both.body.errors).toBeUndefined();
    const byId = new Map(both.body.data?.jobs.edges.map((e: any) => [e.node.id, e.node]));
    const shown = { id: failed.id, status: 'FAILED', error: { code: 'job_error', message: FAILURE } };
    expect(byId.get(failed.id)).toEqual(shown);
    expect(byId.get(other.id)).toEqual({ id: other.id, status: 'QUEUED', error: null });
    expect(both.body.data?.job).toEqual(shown);
    // The list once, and the failed job's detail once (for the list and for job(id)): none for the queued job.
    expect(both.calls).toEqual({ 'GET /fine-tunes': 1, 'GET /fine-tunes/{id}': 1 });

    // The page alone: the same message, and the response cache serves it as it was right from the start.
    const page = `{ ${JOBS_WITH_ERRORS} }`;
    const listed = await onTogether(page, {}, BOTH_KEY);
    expect(listed.body.errors).toBeUndefined();
    expect(listed.body.data?.jobs.edges.find((e: any) => e.node.id === failed.id).node).toEqual(shown);
    expect(listed.calls).toEqual({ 'GET /fine-tunes': 1, 'GET /fine-tunes/{id}': 1 });
    const cached = await onTogether(page, {}, BOTH_KEY);
    expect(cached.calls).toEqual({});
    expect(cached.body).toEqual(listed.body);
  });

  it('costs no detail read when the message is not selected', async () => {
    const answer = await onTogether('{ jobs(first: 50) { edges { node { status error { code } } } } }', {}, BOTH_KEY);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.jobs.edges).toContainEqual({ node: { status: 'FAILED', error: { code: 'job_error' } } });
    expect(answer.calls).toEqual({ 'GET /fine-tunes': 1 });
  });

  it('costs no detail read on a page without failed jobs', async () => {
    const job = await createTogetherJob(stack.gateway, headersOf(EARLY_KEY), 'early');
    clock.at(job, 0.05);
    const answer = await onTogether(`{ ${JOBS_WITH_ERRORS} }`, {}, EARLY_KEY);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.jobs.edges).toEqual([{ node: { id: job.id, status: 'QUEUED', error: null } }]);
    expect(answer.calls).toEqual({ 'GET /fine-tunes': 1 });
  });
});
