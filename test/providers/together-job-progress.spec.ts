/**
 * A running Together job's totals and progress (regression: `metrics { trainingSteps }`, `progress`
 * and `estimatedSecondsLeft` were null on Together, whose metrics records carry no totals). The
 * totals are the job's (its events' `total_steps`, `token_count`, `n_evals`), read from the full job
 * (`GET /fine-tunes/{id}`; the list's jobs are truncated): with the job already read in the request,
 * at no extra upstream call; in `jobUpdated`, in the pushed snapshot; in `jobsUpdated`, anew for
 * each event. On a manual clock, JOB_SECONDS 100: the job runs from 10 s to 85 s.
 */
import { describe, expect, it } from 'vitest';
import { firstEvent, type SseEvents } from '../harness/sse.js';
import { eventually } from '../harness/stack.js';
import { useTogetherClockStack } from '../harness/together-clock-stack.js';
import { createTogetherJob } from '../harness/together-job.js';

const JOB_SECONDS = 100;
const tg = useTogetherClockStack({ token: 'tg-progress', jobSeconds: JOB_SECONDS });
const { clock, onTogether, watch: subscribe, headers: TOGETHER, key: KEY } = tg;

/** What Together itself says of the job's training in all (read from the simulator, not the gateway). */
async function upstreamTotals(publicId: string) {
  const id = publicId.replace(/^together:/, '');
  const response = await fetch(`${tg.stack.togetherSimulator!.apiBaseUrl}/fine-tunes/${id}`, {
    headers: { authorization: `Bearer ${KEY.token}` },
  });
  const job = (await response.json()) as {
    token_count: number;
    n_evals: number;
    events: Array<{ total_steps: number }>;
  };
  return {
    trainingSteps: Math.max(...job.events.map((e) => e.total_steps)),
    trainingTokens: job.token_count,
    validationSteps: job.n_evals,
  };
}

const FIELDS =
  'status progress estimatedSecondsLeft metrics { trainingSteps trainingTokens validationSteps latest { step } }';

/** The share done and the seconds left a running job's own latest step and totals give. */
function expectConsistent(job: any, totals: Awaited<ReturnType<typeof upstreamTotals>>, secondsLeft: number) {
  expect(job.status).toBe('RUNNING');
  expect(job.metrics).toMatchObject(totals);
  expect(totals.trainingSteps).toBeGreaterThan(job.metrics.latest.step);
  expect(job.progress).toBeCloseTo(job.metrics.latest.step / totals.trainingSteps, 9);
  // The pace so far (75 s for the whole schedule) times the steps left: the time left of the run.
  expect(Math.abs(job.estimatedSecondsLeft - secondsLeft)).toBeLessThanOrEqual(1);
}

describe("a running Together job's totals and progress", () => {
  it('job(id): the totals of the full job, with the job and its metrics as the only upstream calls', async () => {
    const job = await createTogetherJob(tg.stack.gateway, TOGETHER, 'progress-one');
    clock.at(job, 0.5);
    const totals = await upstreamTotals(job.id);
    const answer = await onTogether(`query($id: ID!) { job(id: $id) { ${FIELDS} } }`, { id: job.id });
    expect(answer.body.errors).toBeUndefined();
    expectConsistent(answer.body.data?.job, totals, 35);
    expect(answer.calls).toEqual({ 'GET /fine-tunes/{id}': 1, 'GET /fine-tunes/{id}/metrics': 1 });
  });

  it('jobs: the totals of the full job, not of the truncated listed one; once with job(id) in one document', async () => {
    const job = await createTogetherJob(tg.stack.gateway, TOGETHER, 'progress-listed');
    clock.at(job, 0.6);
    const totals = await upstreamTotals(job.id);
    const listed = await onTogether(`{ jobs(first: 50) { edges { node { id ${FIELDS} } } } }`);
    expect(listed.body.errors).toBeUndefined();
    const node = listed.body.data?.jobs.edges.find((e: any) => e.node.id === job.id).node;
    expectConsistent(node, totals, 25);

    const both = await onTogether(
      `query($id: ID!) { jobs(first: 50) { edges { node { id ${FIELDS} } } } job(id: $id) { ${FIELDS} } }`,
      { id: job.id },
    );
    expect(both.body.errors).toBeUndefined();
    const edges = both.body.data?.jobs.edges as Array<{ node: any }>;
    const { id: _id, ...sameJob } = edges.find((e) => e.node.id === job.id)!.node;
    expect(both.body.data?.job).toEqual(sameJob);
    // Each listed job read in full once (its metrics are selected), the one of job(id) included.
    expect(both.calls).toEqual({
      'GET /fine-tunes': 1,
      'GET /fine-tunes/{id}': edges.length,
      'GET /fine-tunes/{id}/metrics': edges.length,
    });
  });

  it('jobUpdated: each snapshot holds the totals, read with the poll that read the job', async () => {
    const job = await createTogetherJob(tg.stack.gateway, TOGETHER, 'progress-watched');
    clock.at(job, 0.07);
    const query = `subscription($id: ID!) { jobUpdated(id: $id) { ${FIELDS} } }`;
    const watch = subscribe(query, { id: job.id });
    await eventWith(watch, 'QUEUED');
    clock.at(job, 0.5);
    const running = await eventWith(watch, 'RUNNING');
    expectConsistent(running, await upstreamTotals(job.id), 35);
    // While it runs, each poll reads the job and its metrics, and nothing more (one of each in flight at most).
    tg.stack.togetherSimulator!.resetStats();
    const metricsReads = () => tg.stack.togetherSimulator!.stats()['GET /fine-tunes/{id}/metrics'] ?? 0;
    await eventually(() => (metricsReads() >= 4 ? true : undefined), 10_000, 'four polls');
    watch.abort();
    const stats = tg.stack.togetherSimulator!.stats();
    expect(stats['GET /fine-tunes/{id}']).toBeLessThanOrEqual((stats['GET /fine-tunes/{id}/metrics'] ?? 0) + 1);
  });

  it('jobsUpdated: each event reads the totals anew, not those of the job as it was at an earlier event', async () => {
    const job = await createTogetherJob(tg.stack.gateway, TOGETHER, 'progress-in-list');
    clock.at(job, 0.07);
    const watch = subscribe(`subscription { jobsUpdated { id ${FIELDS} } }`);
    const queued = await eventWith(watch, 'QUEUED', job.id, 'jobsUpdated');
    expect(queued).toMatchObject({ progress: 0, metrics: { trainingSteps: null } });
    clock.at(job, 0.5);
    const running = await eventWith(watch, 'RUNNING', job.id, 'jobsUpdated');
    expectConsistent(running, await upstreamTotals(job.id), 35);
    watch.abort();
  });
});

/** The first event (so far, or to come) of the job in `status`. */
function eventWith(watch: SseEvents, status: string, id?: string, field = 'jobUpdated') {
  return firstEvent(watch, field, (j) => j.status === status && (id === undefined || j.id === id), `a ${status} event`);
}
