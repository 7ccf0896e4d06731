/**
 * The gateway's reading of Together's wire where units and totals matter: a job's `total_price`
 * (nanodollars) read as US dollars, equal to the estimate's (dollars on the wire); and what a job
 * says of its training in all (its events' `total_steps`, `token_count`, `n_evals`), which fills the
 * metrics' totals where the metrics records alone leave them null: with them, a running job's share
 * done and pace are known.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { togetherJobSchema, type TogetherJob } from '../../../src/upstream/together/wire-job.js';
import { withJobTotals } from '../../../src/upstream/together/wire-job-reads.js';
import { ALICE, MODEL, instructionJsonl, startTogetherWorld, streamOf, type TogetherWorld } from './together-world.js';

let w: TogetherWorld;
beforeAll(async () => {
  w = await startTogetherWorld();
});
afterAll(() => w.close());

async function upload(name: string, rows: number) {
  const text = instructionJsonl(rows);
  return w.client.uploadFile(ALICE, { filename: name, body: streamOf(text), bytes: Buffer.byteLength(text) });
}

/** A job as Together sends it, the fields this spec is about over the minimal ones. */
const wireJob = (fields: Record<string, unknown>): TogetherJob =>
  togetherJobSchema.parse({
    id: 'ft-1',
    status: 'running',
    model: MODEL,
    created_at: '2026-02-02T10:00:00Z',
    ...fields,
  });

describe("Together client: a job's price", () => {
  it('reads total_price (integer nanodollars) as US dollars, equal to the estimate of the same job', async () => {
    const file = await upload('priced.jsonl', 40);
    const estimate = await w.client.estimatePrice(ALICE, { model: MODEL, trainingFileId: file.id, nEpochs: 2 });
    if (!estimate.available) throw new Error('estimate unavailable');
    const job = await w.client.createJob(ALICE, { model: MODEL, trainingFileId: file.id, nEpochs: 2 });
    const read = await w.client.getJob(ALICE, job.id);
    expect(estimate.totalPriceUsd).toBeGreaterThan(0);
    expect(estimate.totalPriceUsd).toBeLessThan(0.01);
    for (const seen of [job, read, ...(await w.client.listJobs(ALICE)).filter((j) => j.id === job.id)])
      expect(seen.totalPriceUsd).toBeCloseTo(estimate.totalPriceUsd, 9);
  });

  it("converts the spec's example: total_price 1500 is $0.0000015, not $1500", () => {
    expect(wireJob({ status: 'completed', total_price: 1500, token_count: 850000 }).totalPriceUsd).toBe(1.5e-6);
    expect(wireJob({ total_price: 2_500_000_000 }).totalPriceUsd).toBe(2.5);
    expect(wireJob({}).totalPriceUsd).toBeNull();
  });
});

describe("Together client: a job's totals", () => {
  it('knows the steps, tokens and evaluations in all once training started, and keeps them to the end', async () => {
    const train = await upload('t.jsonl', 40);
    const valid = await upload('v.jsonl', 8);
    const created = await w.client.createJob(ALICE, {
      model: MODEL,
      trainingFileId: train.id,
      validationFileId: valid.id,
      nEpochs: 2,
      nEvals: 2,
      batchSize: 8,
    });
    const queued = await w.client.getJob(ALICE, created.id);
    expect(queued).toMatchObject({ status: 'queued', trainingSteps: null });
    expect(withJobTotals(await w.client.getMetrics(ALICE, created.id), queued)).toMatchObject({
      points: [],
      trainingSteps: null,
      trainingTokens: queued.tokenCount,
      validationSteps: 2,
    });

    // JOB_SECONDS 100: running from 10 s to 85 s, compressing to 92.5 s, uploading to 100 s.
    w.advance(40);
    const running = await w.client.getJob(ALICE, created.id);
    const metrics = await w.client.getMetrics(ALICE, created.id);
    expect(running).toMatchObject({ status: 'running', upstreamStatus: 'running' });
    expect(running.trainingSteps).toBeGreaterThan(metrics.points.length);
    expect(running.tokenCount).toBeGreaterThan(0);
    // The metrics records alone carry no totals; the job's fill them.
    expect(metrics).toMatchObject({ trainingSteps: null, trainingTokens: null, validationSteps: null });
    const filled = withJobTotals(metrics, running);
    expect(filled).toMatchObject({
      trainingSteps: running.trainingSteps,
      trainingTokens: running.tokenCount,
      validationSteps: 2,
    });
    expect(filled.points).toEqual(metrics.points);

    w.advance(55);
    const uploading = await w.client.getJob(ALICE, created.id);
    expect(uploading).toMatchObject({ upstreamStatus: 'uploading', trainingSteps: running.trainingSteps });
    w.advance(10);
    const done = await w.client.getJob(ALICE, created.id);
    const final = await w.client.getMetrics(ALICE, created.id);
    expect(done).toMatchObject({ status: 'completed', trainingSteps: running.trainingSteps });
    expect(final.points.at(-1)?.step).toBe(done.trainingSteps);
  });

  it('keeps the steps null while Together does not say them: no events, or total_steps 0', () => {
    expect(wireJob({}).trainingSteps).toBeNull();
    const events = (totals: number[]) =>
      totals.map((total_steps) => ({ created_at: '2026-02-02T10:00:00Z', message: 'm', type: 'x', total_steps }));
    expect(wireJob({ events: events([0, 0]) }).trainingSteps).toBeNull();
    expect(wireJob({ events: events([0, 120, 120, 0]) }).trainingSteps).toBe(120);
    const job = wireJob({ status: 'queued', token_count: 5000, n_evals: 3 });
    const empty = { points: [], trainingSteps: null, trainingTokens: null, validationSteps: null };
    expect(withJobTotals(empty, job)).toEqual({ ...empty, trainingTokens: 5000, validationSteps: 3 });
    expect(withJobTotals(empty, wireJob({}))).toEqual(empty);
  });
});
