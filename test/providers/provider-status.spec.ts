/**
 * `Job.providerStatus`, the provider's own status word beside the gateway's `status` (regression: a
 * Together job whose training was done but which Together still reported `compressing`/`uploading`,
 * or whose cancel was requested, showed only RUNNING with `progress` 1 for minutes, and an app could
 * not say "Packaging the model…" or "Cancelling…"). Read from the job the gateway already has: the
 * same upstream calls as without it; in `jobUpdated`/`jobsUpdated`, a move of that word alone is an
 * event for a subscription that selects it (and none for one that does not), and it evicts the
 * response cache's answers holding the job. On a manual clock, JOB_SECONDS 100: a Together job
 * trains from 10 s to 85 s, compresses until 92.5 s, uploads until 100 s; an Nscale job starts at
 * 10 s and runs from 20 s to 100 s. The response cache is on, with ten-minute times-to-live.
 */
import { describe, expect, it } from 'vitest';
import { seedDataset, jobHeldAt } from '../harness/fixtures.js';
import { ask, LONG_TTLS } from '../harness/response-cache.js';
import { firstEvent, type SseEvents } from '../harness/sse.js';
import { DEMO, eventually } from '../harness/stack.js';
import { useTogetherClockStack } from '../harness/together-clock-stack.js';
import { createTogetherJob } from '../harness/together-job.js';

const JOB_SECONDS = 100;
const COMPRESSING = 0.88;
const UPLOADING = 0.96;
const tg = useTogetherClockStack({
  token: 'tg-provider-status',
  jobSeconds: JOB_SECONDS,
  nscaleOnClock: true,
  responseCache: { policy: LONG_TTLS },
});
const { clock, onTogether, watch, headers: TOGETHER } = tg;

/** The first event (so far, or to come) of `field` with that `providerStatus` (and `id`). */
const eventWith = (events: SseEvents, field: string, providerStatus: string, id?: string) =>
  firstEvent(
    events,
    field,
    (j) => j.providerStatus === providerStatus && (id === undefined || j.id === id),
    `a ${field} event with providerStatus ${providerStatus}`,
  );

/** `job(id)` under an operation name of its own (the cache keeps each document's answer apart). */
const jobQuery = (name: string, fields: string) => `query ${name}($id: ID!) { job(id: $id) { ${fields} } }`;

describe('Job.providerStatus on Together', () => {
  it('job(id): a job packaging its output is RUNNING, compressing then uploading, at the same upstream calls', async () => {
    const job = await createTogetherJob(tg.stack.gateway, TOGETHER, 'packaging');
    clock.at(job, COMPRESSING);
    const without = await onTogether(jobQuery('Without', 'status progress'), { id: job.id });
    const compressing = await onTogether(jobQuery('Compressing', 'status providerStatus progress'), { id: job.id });
    expect(compressing.body.errors).toBeUndefined();
    expect(compressing.body.data?.job).toEqual({ status: 'RUNNING', providerStatus: 'compressing', progress: 1 });
    expect(compressing.calls).toEqual(without.calls);
    // The provider's word says the training is over: its progress needs no metrics.
    expect(compressing.calls).toEqual({ 'GET /fine-tunes/{id}': 1 });

    clock.at(job, UPLOADING);
    const uploading = await onTogether(jobQuery('Uploading', 'status providerStatus'), { id: job.id });
    expect(uploading.body.data?.job).toEqual({ status: 'RUNNING', providerStatus: 'uploading' });
    expect(uploading.calls).toEqual({ 'GET /fine-tunes/{id}': 1 });
  });

  it('cancelJob and job(id): a job whose cancel is requested is RUNNING, cancel_requested, then CANCELLED', async () => {
    const job = await createTogetherJob(tg.stack.gateway, TOGETHER, 'cancelling');
    clock.at(job, 0.5);
    const cancel = await onTogether('mutation($id: ID!) { cancelJob(id: $id) { status providerStatus } }', {
      id: job.id,
    });
    expect(cancel.body.errors).toBeUndefined();
    expect(cancel.body.data?.cancelJob).toEqual({ status: 'RUNNING', providerStatus: 'cancel_requested' });
    expect(cancel.calls).toEqual({ 'POST /fine-tunes/{id}/cancel': 1 });

    const read = await onTogether(jobQuery('Cancelling', 'status providerStatus'), { id: job.id });
    expect(read.body.data?.job).toEqual({ status: 'RUNNING', providerStatus: 'cancel_requested' });
    expect(read.calls).toEqual({ 'GET /fine-tunes/{id}': 1 });
    // Its training will not finish: no estimate of when it would, as for CANCELLED.
    const estimate = await onTogether(jobQuery('CancellingLeft', 'status estimatedSecondsLeft'), { id: job.id });
    expect(estimate.body.data?.job).toEqual({ status: 'RUNNING', estimatedSecondsLeft: null });

    clock.at(job, 0.6); // past the simulator's cancel grace (2 % of the run)
    const ended = await onTogether(jobQuery('Cancelled', 'status providerStatus'), { id: job.id });
    expect(ended.body.data?.job).toEqual({ status: 'CANCELLED', providerStatus: 'cancelled' });
  });

  it('jobUpdated: running → compressing → uploading is an event for a subscription selecting it, none for `{ status }`', async () => {
    const job = await createTogetherJob(tg.stack.gateway, TOGETHER, 'watched');
    clock.at(job, 0.5);
    const query = (fields: string) => `subscription($id: ID!) { jobUpdated(id: $id) { ${fields} } }`;
    const withWord = watch(query('status providerStatus'), { id: job.id });
    const statusOnly = watch(query('status'), { id: job.id });
    expect(await eventWith(withWord, 'jobUpdated', 'running')).toEqual({
      status: 'RUNNING',
      providerStatus: 'running',
    });

    clock.at(job, COMPRESSING);
    expect(await eventWith(withWord, 'jobUpdated', 'compressing')).toEqual({
      status: 'RUNNING',
      providerStatus: 'compressing',
    });
    clock.at(job, UPLOADING);
    await eventWith(withWord, 'jobUpdated', 'uploading');
    clock.at(job, 1.01);
    await eventWith(withWord, 'jobUpdated', 'completed');
    await eventually(() => (statusOnly.events.length >= 2 ? true : undefined), 10_000, 'COMPLETED for `{ status }`');
    expect(statusOnly.events.map((e) => e.data?.jobUpdated.status)).toEqual(['RUNNING', 'COMPLETED']);
    expect(withWord.events.map((e) => e.data?.jobUpdated.providerStatus)).toEqual([
      'running',
      'compressing',
      'uploading',
      'completed',
    ]);
    withWord.abort();
    statusOnly.abort();
  });

  it('jobsUpdated: a listed job moving from running to compressing is an event', async () => {
    const job = await createTogetherJob(tg.stack.gateway, TOGETHER, 'listed');
    clock.at(job, 0.5);
    const list = watch('subscription { jobsUpdated { id status providerStatus } }');
    await eventWith(list, 'jobsUpdated', 'running', job.id);
    clock.at(job, COMPRESSING);
    expect(await eventWith(list, 'jobsUpdated', 'compressing', job.id)).toEqual({
      id: job.id,
      status: 'RUNNING',
      providerStatus: 'compressing',
    });
    list.abort();
  });

  it("the response cache: an answer holding the job is evicted when the poller sees its provider's word alone move", async () => {
    const job = await createTogetherJob(tg.stack.gateway, TOGETHER, 'cached');
    // From compressing to uploading nothing else of the job moves: its steps are all done.
    clock.at(job, COMPRESSING);
    const subscription = watch('subscription($id: ID!) { jobUpdated(id: $id) { providerStatus } }', { id: job.id });
    await eventWith(subscription, 'jobUpdated', 'compressing');
    const query = jobQuery('Cached', 'status providerStatus');
    expect((await onTogether(query, { id: job.id })).body.data?.job.providerStatus).toBe('compressing');
    const cached = await onTogether(query, { id: job.id });
    expect(cached.calls).toEqual({});
    expect(cached.body.data?.job).toEqual({ status: 'RUNNING', providerStatus: 'compressing' });

    clock.at(job, UPLOADING);
    await eventWith(subscription, 'jobUpdated', 'uploading');
    const fresh = await onTogether(query, { id: job.id });
    expect(fresh.body.data?.job).toEqual({ status: 'RUNNING', providerStatus: 'uploading' });
    expect(fresh.calls).toEqual({ 'GET /fine-tunes/{id}': 1 });
    subscription.abort();
  });
});

describe('Job.providerStatus on Nscale', () => {
  it("job(id): Nscale's own status as its API sends it, at the same upstream calls", async () => {
    const { datasetId } = await seedDataset(tg.stack, DEMO, 'provider-status');
    const job = await jobHeldAt(tg.stack, DEMO, datasetId, clock, 'nscale-status', 0.15);
    const nscale = (name: string, fields: string) => ask(tg.stack, jobQuery(name, fields), { id: job.id }, DEMO);
    const without = await nscale('NscaleWithout', 'status');
    const starting = await nscale('NscaleStarting', 'status providerStatus');
    expect(starting.body.errors).toBeUndefined();
    expect(starting.body.data?.job).toEqual({ status: 'STARTING', providerStatus: 'starting' });
    expect(starting.calls).toEqual(without.calls);
    expect(starting.calls).toEqual({ 'GET /jobs/{id}': 1 });

    clock.at(job, 0.5);
    const running = await nscale('NscaleRunning', 'status providerStatus');
    expect(running.body.data?.job).toEqual({ status: 'RUNNING', providerStatus: 'running' });
  });
});
