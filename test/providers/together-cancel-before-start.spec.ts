/**
 * A Together job cancelled before its training started (trial 1, F1): Together shows it
 * `cancel_requested` until it stops, and the gateway showed that as RUNNING, so `cancelJob`,
 * `job(id)` and `jobUpdated` reported a start that never happened (`startedAt` null). It now keeps
 * the status it had: QUEUED, never RUNNING, then CANCELLED; a job cancelled while training stays
 * RUNNING until CANCELLED. `providerStatus` says `cancel_requested` in both, and `jobs(status:)`
 * lists each under the status it is shown in. On a manual clock, JOB_SECONDS 100: a Together job
 * is pending until 5 s, queued until 10 s, trains from 10 s; a cancel takes 2 s (2 % of the run).
 */
import { describe, expect, it } from 'vitest';
import { firstEvent, type SseEvents } from '../harness/sse.js';
import { useTogetherClockStack } from '../harness/together-clock-stack.js';
import { createTogetherJob } from '../harness/together-job.js';

const JOB_SECONDS = 100;
const tg = useTogetherClockStack({ token: 'tg-cancel-before-start', jobSeconds: JOB_SECONDS });
const { clock, onTogether, watch, headers: TOGETHER } = tg;

const CANCEL = 'mutation($id: ID!) { cancelJob(id: $id) { status providerStatus startedAt } }';
const JOB = 'query($id: ID!) { job(id: $id) { status providerStatus startedAt } }';
const LISTED = 'query($s: JobStatus) { jobs(status: $s, first: 100) { edges { node { id } } } }';
const updates = (fields: string) => `subscription($id: ID!) { jobUpdated(id: $id) { ${fields} } }`;

const eventWith = (events: SseEvents, providerStatus: string) =>
  firstEvent(events, 'jobUpdated', (j) => j.providerStatus === providerStatus, `jobUpdated with ${providerStatus}`);

async function listedUnder(status: string): Promise<string[]> {
  const answer = await onTogether(LISTED, { s: status });
  expect(answer.body.errors).toBeUndefined();
  return (answer.body.data?.jobs.edges as Array<{ node: { id: string } }>).map((e) => e.node.id);
}

/** The statuses each subscriber got, once the stream has ended (it ends at the job's final status). */
async function statusesOf(...subscriptions: SseEvents[]): Promise<string[][]> {
  await Promise.all(subscriptions.map((s) => s.done));
  return subscriptions.map((s) => s.events.map((e) => e.data?.jobUpdated.status as string));
}

describe('Together: a job cancelled before its training started', () => {
  it('is QUEUED (cancel_requested) in cancelJob, job(id), jobs(status:) and jobUpdated, then CANCELLED: never RUNNING', async () => {
    const job = await createTogetherJob(tg.stack.gateway, TOGETHER, 'cancelled-pending');
    clock.at(job, 0.02); // pending
    const withWord = watch(updates('status providerStatus startedAt'), { id: job.id });
    const statusOnly = watch(updates('status'), { id: job.id });
    expect(await eventWith(withWord, 'pending')).toEqual({
      status: 'QUEUED',
      providerStatus: 'pending',
      startedAt: null,
    });

    const cancel = await onTogether(CANCEL, { id: job.id });
    expect(cancel.body.errors).toBeUndefined();
    expect(cancel.body.data?.cancelJob).toEqual({
      status: 'QUEUED',
      providerStatus: 'cancel_requested',
      startedAt: null,
    });
    const read = await onTogether(JOB, { id: job.id });
    expect(read.body.data?.job).toEqual({ status: 'QUEUED', providerStatus: 'cancel_requested', startedAt: null });
    expect(await eventWith(withWord, 'cancel_requested')).toEqual({
      status: 'QUEUED',
      providerStatus: 'cancel_requested',
      startedAt: null,
    });
    expect(await listedUnder('QUEUED')).toContain(job.id);
    expect(await listedUnder('RUNNING')).not.toContain(job.id);

    clock.at(job, 0.1); // past the cancel's 2 s
    const [words, statuses] = await statusesOf(withWord, statusOnly);
    expect(words).toEqual(['QUEUED', 'QUEUED', 'CANCELLED']);
    expect(withWord.events.map((e) => e.data?.jobUpdated.providerStatus)).toEqual([
      'pending',
      'cancel_requested',
      'cancelled',
    ]);
    expect(statuses).toEqual(['QUEUED', 'CANCELLED']);
  });

  it('a job cancelled while training is RUNNING (cancel_requested), then CANCELLED', async () => {
    const job = await createTogetherJob(tg.stack.gateway, TOGETHER, 'cancelled-running');
    clock.at(job, 0.5);
    const withWord = watch(updates('status providerStatus'), { id: job.id });
    const statusOnly = watch(updates('status'), { id: job.id });
    await eventWith(withWord, 'running');

    const cancel = await onTogether(CANCEL, { id: job.id });
    expect(cancel.body.data?.cancelJob).toMatchObject({ status: 'RUNNING', providerStatus: 'cancel_requested' });
    expect(cancel.body.data?.cancelJob.startedAt).not.toBeNull();
    expect(await eventWith(withWord, 'cancel_requested')).toEqual({
      status: 'RUNNING',
      providerStatus: 'cancel_requested',
    });
    expect(await listedUnder('RUNNING')).toContain(job.id);
    expect(await listedUnder('QUEUED')).not.toContain(job.id);

    clock.at(job, 0.6);
    const [words, statuses] = await statusesOf(withWord, statusOnly);
    expect(words).toEqual(['RUNNING', 'RUNNING', 'CANCELLED']);
    expect(statuses).toEqual(['RUNNING', 'CANCELLED']);
  });
});
