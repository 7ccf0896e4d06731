/**
 * Together's `GET /fine-tunes` holds truncated jobs (no events), and a failed job's message is in its
 * events: `job(id)` must show the full job, its message included, in a document that also lists the
 * jobs and right after a list (the response cache keeps no Together list's jobs for `job(id)`). Every
 * job of this simulator fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../harness/manual-clock.js';
import { ask } from '../harness/response-cache.js';
import { startStack, type Stack } from '../harness/stack.js';
import { createTogetherJob } from '../harness/together-job.js';

const JOB_SECONDS = 100;
const KEY = { token: 'tg-fails', organizationId: '' };
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
      tenants: [{ token: KEY.token, accountId: 'tg-fails' }],
    },
  });
});
afterAll(() => stack.close());

const onTogether = (query: string, variables: Record<string, unknown>) =>
  ask(stack, query, variables, KEY, { headers: { 'x-provider': 'together' }, upstream: stack.togetherSimulator! });

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
