import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobListSchema, jobSchema, metricsSchema } from '../../src/upstream/schemas.js';
import {
  caller,
  createDataset,
  fakeClock,
  jobBody,
  qaCsv,
  startSimulator,
  type Caller,
  type Simulator,
} from './harness.js';

// 100 s jobs: queued 0–10 s, starting 10–20 s, running 20–100 s, completed at 100 s.
const clock = fakeClock();
let sim: Simulator;
let api: Caller;
let datasetId: string;
beforeAll(async () => {
  sim = await startSimulator({ jobSeconds: 100, now: clock.now });
  api = caller(sim);
  datasetId = await createDataset(api);
});
afterAll(() => sim.close());

async function newJob(overrides: Record<string, unknown> = {}, ds = datasetId): Promise<string> {
  const res = await api.call('POST', '/jobs', jobBody(ds, overrides));
  expect(res.status).toBe(201);
  return res.body.job.id as string;
}
const job = async (id: string) => (await api.call('GET', `/jobs/${id}`)).body;
const metrics = async (id: string) => (await api.call('GET', `/jobs/${id}/metrics`)).body;

describe('job lifecycle', () => {
  it('goes queued → starting → running → completed on the clock, with metrics step by step', async () => {
    const created = clock.now();
    const id = await newJob({ hyperparameters: { n_evals: 2 } });
    const first = await job(id);
    expect(first).toMatchObject({
      status: 'queued',
      created_at: '2026-01-14T14:57:45.376000Z',
      started_at: null,
      completed_at: null,
    });
    expect(await metrics(id)).toEqual({
      data: null,
      training_steps: 10,
      training_tokens: expect.any(Number),
      validation_steps: 2,
    });

    clock.advance(10);
    expect((await job(id)).status).toBe('starting');
    clock.advance(10);
    const running = await job(id);
    expect(running).toMatchObject({
      status: 'running',
      started_at: new Date(created + 20_000).toISOString().replace('Z', '000Z'),
    });
    expect((await metrics(id)).data).toBeNull();

    clock.advance(40); // half of the running phase: 5 of 10 steps
    const half = await metrics(id);
    expect(half.data.map((p: { step: number }) => p.step)).toEqual([1, 2, 3, 4, 5]);
    expect(half.data[4]).toEqual({
      step: 5,
      timestamp: expect.stringMatching(/^2026-01-14T14:58:45\.376\d{3}Z$/),
      training_loss: expect.stringMatching(/^\d+\.\d{4}$/),
      validation_loss: expect.stringMatching(/^\d+\.\d{4}$/),
      perplexity: expect.stringMatching(/^\d+\.\d{4}$/),
    });
    expect(half.data[0]).not.toHaveProperty('validation_loss');
    expect(Math.exp(Number(half.data[4].validation_loss))).toBeCloseTo(Number(half.data[4].perplexity), 2);
    expect(await metrics(id)).toEqual(half); // reads agree

    clock.advance(40);
    const done = await job(id);
    expect(jobSchema.parse(done).status).toBe('completed');
    expect(done.completed_at).toBe(new Date(created + 100_000).toISOString().replace('Z', '000Z'));
    expect(done.error).toBeNull();
    const final = metricsSchema.parse(await metrics(id));
    expect(final.points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(final.points.filter((p) => p.validationLoss !== null).map((p) => p.step)).toEqual([5, 10]);
    expect(final.points[9]!.trainingLoss!).toBeLessThan(final.points[0]!.trainingLoss!);
  });

  it('fails a job whose answer column is empty in every row, once it runs, with a clear error', async () => {
    const ds = await createDataset(
      api,
      qaCsv(8, () => ''),
    );
    const id = await newJob({}, ds);
    clock.advance(19);
    expect((await job(id)).status).toBe('starting');
    clock.advance(1);
    const failed = await job(id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'invalid_argument' } });
    expect(failed.error.message).toMatch(
      /^dataset\.answer_column "answer" is empty in every row of training file file-\w+: nothing to train on$/,
    );
    expect(failed.completed_at).not.toBeNull();
  });

  it('reports no validation loss for a job whose validation split has 0 tokens', async () => {
    // 40 rows: the last one is held out for evaluation, and its answer is empty, so it holds no tokens.
    const ds = await createDataset(
      api,
      qaCsv(40, (i) => (i === 39 ? '' : `The answer number ${i}.`)),
    );
    const id = await newJob({ hyperparameters: { n_evals: 2 } }, ds);
    clock.advance(100);
    expect((await job(id)).status).toBe('completed');
    const final = await metrics(id);
    expect(final.validation_steps).toBe(0);
    expect(final.data.length).toBeGreaterThan(0);
    expect(final.data.filter((p: object) => 'validation_loss' in p || 'perplexity' in p)).toEqual([]);
    const dryRun = await api.call('POST', '/jobs', jobBody(ds, { dry_run: true, hyperparameters: { n_evals: 2 } }));
    expect(dryRun.body.estimated_usage.tokens).toBe(final.training_tokens);
  });

  it('fails every job at failureRate 1, mid-run, and keeps the metrics up to the failure', async () => {
    const failing = await startSimulator({ jobSeconds: 100, now: clock.now, failureRate: 1 });
    try {
      const f = caller(failing);
      const res = await f.call('POST', '/jobs', jobBody(await createDataset(f)));
      const id = res.body.job.id as string;
      clock.advance(100);
      const failed = (await f.call('GET', `/jobs/${id}`)).body;
      expect(failed.status).toBe('failed');
      expect(failed.error).toEqual({
        code: 'internal',
        message: 'the training worker stopped unexpectedly (simulated failure); retry the job',
      });
      const points = (await f.call('GET', `/jobs/${id}/metrics`)).body.data;
      expect(points.length).toBeGreaterThan(0);
      expect(points.length).toBeLessThan(10);
    } finally {
      await failing.close();
    }
  });

  it('cancels from queued, starting or running, and refuses to cancel a terminal job (409)', async () => {
    const queued = await newJob();
    const cancelled = await api.call('POST', `/jobs/${queued}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', started_at: null, completed_at: expect.any(String) });
    const again = await api.call('POST', `/jobs/${queued}/cancel`);
    expect(again).toMatchObject({
      status: 409,
      body: {
        code: 'failed_precondition',
        message: `job ${queued} is already cancelled; only queued, starting or running jobs can be cancelled`,
      },
    });

    const running = await newJob();
    clock.advance(60);
    const stepsBefore = (await metrics(running)).data.length;
    expect((await api.call('POST', `/jobs/${running}/cancel`)).body.status).toBe('cancelled');
    clock.advance(60);
    expect((await job(running)).status).toBe('cancelled');
    expect((await metrics(running)).data).toHaveLength(stepsBefore);

    const finished = await newJob();
    clock.advance(100);
    expect((await api.call('POST', `/jobs/${finished}/cancel`)).status).toBe(409);
    expect((await api.call('POST', '/jobs/job-unknown/cancel')).status).toBe(404);
  });
});

describe('GET /jobs', () => {
  it('lists newest first with a total, filters by status and pages', async () => {
    const org = caller(sim, 'other-token', 'other-org');
    const ds = await createDataset(org);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await org.call('POST', '/jobs', jobBody(ds, { name: `job ${i}` }))).body.job.id);
    clock.advance(100);
    ids.push((await org.call('POST', '/jobs', jobBody(ds, { name: 'job 3' }))).body.job.id);

    const all = jobListSchema.parse((await org.call('GET', '/jobs')).body);
    expect(all.total).toBe(4);
    expect(all.data.map((j) => j.id)).toEqual([...ids].reverse());
    const page = (await org.call('GET', '/jobs?limit=2&offset=1')).body;
    expect(page.total).toBe(4);
    expect(page.data.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
    expect((await org.call('GET', '/jobs?status=completed')).body.total).toBe(3);
    expect((await org.call('GET', '/jobs?status=queued')).body.data.map((j: { id: string }) => j.id)).toEqual([ids[3]]);
    expect((await org.call('GET', '/jobs?status=failed')).body).toEqual({ data: [], total: 0 });
  });

  it.each([
    ['status=done', 'status: "done" is not one of queued, starting, running, completed, failed, cancelled'],
    ['limit=0', 'limit: "0" is not an integer from 1 to 100'],
    ['limit=abc', 'limit: "abc" is not an integer from 1 to 100'],
    ['limit=101', 'limit: "101" is not an integer from 1 to 100'],
    ['offset=-1', 'offset: "-1" is not an integer from 0 to 9007199254740991'],
  ])('refuses ?%s with 400', async (query, message) => {
    const res = await api.call('GET', `/jobs?${query}`);
    expect(res).toMatchObject({ status: 400, body: { code: 'invalid_argument', message } });
  });
});

describe('failureRate', () => {
  it('decides per job, the same on every read', async () => {
    const half = await startSimulator({ jobSeconds: 100, now: clock.now, failureRate: 0.5 });
    try {
      const h = caller(half);
      const ds = await createDataset(h);
      const ids: string[] = [];
      for (let i = 0; i < 24; i++) ids.push((await h.call('POST', '/jobs', jobBody(ds))).body.job.id);
      clock.advance(100);
      const read = async () =>
        Promise.all(ids.map(async (id) => (await h.call('GET', `/jobs/${id}`)).body.status as string));
      const first = await read();
      expect(new Set(first)).toEqual(new Set(['completed', 'failed']));
      expect(await read()).toEqual(first);
    } finally {
      await half.close();
    }
  });
});
