/**
 * The journey on Together through the gateway's client, against the Together simulator: models and
 * limits, a streamed upload, files, the price estimate, a LoRA job to completion with its metrics,
 * events, checkpoints and download URL, the status walk as the gateway's JobStatus, cancel, delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  JOB_SECONDS,
  MODEL,
  instructionJsonl,
  startTogetherWorld,
  streamOf,
  type TogetherWorld,
} from './together-world.js';

let w: TogetherWorld;
beforeAll(async () => {
  w = await startTogetherWorld();
});
afterAll(() => w.close());

async function upload(name = 'train.jsonl', rows = 40) {
  const text = instructionJsonl(rows);
  return w.client.uploadFile(ALICE, { filename: name, body: streamOf(text), bytes: Buffer.byteLength(text) });
}

describe('Together client: the journey', () => {
  it('lists the fine-tunable base models with their limits', async () => {
    const models = await w.client.listBaseModels(ALICE);
    const llama = models.find((m) => m.id === MODEL);
    expect(models.length).toBeGreaterThan(3);
    expect(llama).toMatchObject({
      contextLength: expect.any(Number),
      trainingPrecision: null,
      limits: { modelName: MODEL, maxEpochs: 20, lora: { min: 8, max: 32 } },
    });
    expect(llama?.supportedBatchSizes[0]).toBe(8);
    expect(llama?.supportedBatchSizes.at(-1)).toBe(32);
    expect(llama?.limits.full).not.toBeNull();
    const big = models.find((m) => m.id === 'meta-llama/Llama-3.3-70B-Instruct-Reference');
    expect(big?.limits.full).toBeNull();
    await expect(w.client.getModelLimits(ALICE, 'no/such-model')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('uploads a JSONL file in two steps, then gets, lists and deletes files', async () => {
    const file = await upload();
    expect(file).toMatchObject({
      name: 'train.jsonl',
      processingStatus: 'COMPLETED',
      valid: true,
      lines: 40,
      datasetFormat: 'instruction',
      workspaceId: null,
      columns: null,
    });
    expect(file.bytes).toBe(Buffer.byteLength(instructionJsonl(40)));
    expect(await w.client.getFile(ALICE, file.id)).toEqual(file);
    expect((await w.client.listFiles(ALICE)).map((f) => f.id)).toContain(file.id);
    await w.client.deleteFile(ALICE, file.id);
    await expect(w.client.getFile(ALICE, file.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('estimates the price, with token counts and whether the job may proceed', async () => {
    const file = await upload();
    const estimate = await w.client.estimatePrice(ALICE, { model: MODEL, trainingFileId: file.id, nEpochs: 2 });
    expect(estimate).toMatchObject({ available: true, allowedToProceed: true, reason: null });
    if (!estimate.available) throw new Error('unreachable');
    expect(estimate.trainTokens).toBeGreaterThan(0);
    expect(estimate.totalPriceUsd).toBeGreaterThan(0);
    expect(estimate.availableBalanceUsd).toBe(100);
  });

  it('runs a LoRA job to completion: status walk, metrics, events, checkpoints, download URL', async () => {
    const train = await upload('t.jsonl', 40);
    const valid = await upload('v.jsonl', 10);
    const created = await w.client.createJob(ALICE, {
      model: MODEL,
      trainingFileId: train.id,
      validationFileId: valid.id,
      suffix: 'journey',
      nEpochs: 2,
      nEvals: 2,
      nCheckpoints: 2,
      batchSize: 8,
      training: { type: 'lora', r: 16, alpha: 32 },
    });
    expect(created).toMatchObject({
      status: 'queued',
      upstreamStatus: 'pending',
      baseModelId: MODEL,
      trainingFileId: train.id,
      validationFileId: valid.id,
      completedAt: null,
      hyperparameters: { nEpochs: 2, batchSize: 8, trainingType: 'lora', lora: { r: 16, alpha: 32 }, method: 'sft' },
    });
    expect(created.name).toContain('journey');
    const seen = new Map<string, string>();
    for (let s = 0; s <= JOB_SECONDS; s += 4) {
      const job = await w.client.getJob(ALICE, created.id);
      seen.set(job.upstreamStatus, job.status);
      w.advance(4);
    }
    expect(Object.fromEntries(seen)).toEqual({
      pending: 'queued',
      queued: 'queued',
      running: 'running',
      compressing: 'running',
      uploading: 'running',
      completed: 'completed',
    });
    const done = await w.client.getJob(ALICE, created.id);
    expect(done.completedAt).toBeInstanceOf(Date);

    const metrics = await w.client.getMetrics(ALICE, created.id);
    expect(metrics.points.map((p) => p.step)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(metrics.points.every((p) => typeof p.trainingLoss === 'number' && p.perplexity === null)).toBe(true);
    expect(metrics.points.filter((p) => p.validationLoss !== null)).toHaveLength(2);
    expect((await w.client.getMetrics(ALICE, created.id, { resolution: 5 })).points).toHaveLength(5);

    const events = await w.client.listEvents(ALICE, created.id);
    expect(events[0]?.type).toBe('job_pending');
    expect(events.at(-1)?.type).toBe('job_complete');

    const checkpoints = await w.client.listCheckpoints(ALICE, created.id);
    expect(checkpoints[0]).toMatchObject({ final: true, artifact: 'adapter' });
    const step = checkpoints.at(-1)!.step;

    const url = await w.client.getDownloadUrl(ALICE, created.id, { artifact: 'adapter' });
    expect(url.origin).toBe(w.sim.origin);
    expect(url.pathname).toBe('/v1/finetune/download');
    expect(Object.fromEntries(url.searchParams)).toEqual({ ft_id: created.id, checkpoint: 'adapter' });
    expect(url.href).not.toContain(ALICE.token);
    // The URL serves the archive to the holder of the account's key.
    const archive = await fetch(url, { headers: { authorization: `Bearer ${ALICE.token}` } });
    expect(archive.status).toBe(200);
    expect((await archive.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const atStep = await w.client.getDownloadUrl(ALICE, created.id, { artifact: 'merged', step });
    expect(atStep.searchParams.get('checkpoint_step')).toBe(String(step));
    await expect(
      w.client.getDownloadUrl(ALICE, created.id, { artifact: 'merged', step: 99_999 }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'step',
    });

    const listed = await w.client.listJobs(ALICE, { status: 'completed' });
    expect(listed.map((j) => j.id)).toContain(created.id);
    expect(await w.client.listJobs(ALICE, { status: 'running' })).toEqual([]);
    await w.client.deleteJob(ALICE, created.id);
    await expect(w.client.getJob(ALICE, created.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('cancels: cancel_requested stays queued (never started) or running (started), then cancelled', async () => {
    const train = await upload('c.jsonl', 40);
    const job = await w.client.createJob(ALICE, { model: MODEL, trainingFileId: train.id });
    await expect(w.client.getDownloadUrl(ALICE, job.id, { artifact: 'adapter' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(w.client.deleteJob(ALICE, job.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    const started = await w.client.createJob(ALICE, { model: MODEL, trainingFileId: train.id });
    w.advance(JOB_SECONDS * 0.5);
    // Created at `started`'s half-way: a fresh job, still pending.
    const pending = await w.client.createJob(ALICE, { model: MODEL, trainingFileId: train.id });
    const cancelling = await w.client.cancelJob(ALICE, pending.id);
    expect(cancelling).toMatchObject({ upstreamStatus: 'cancel_requested', status: 'queued', startedAt: null });
    expect(await w.client.getJob(ALICE, pending.id)).toMatchObject({
      upstreamStatus: 'cancel_requested',
      status: 'queued',
    });
    const stopping = await w.client.cancelJob(ALICE, started.id);
    expect(stopping).toMatchObject({ upstreamStatus: 'cancel_requested', status: 'running' });
    expect(await w.client.getJob(ALICE, started.id)).toMatchObject({ status: 'running' });
    // The list's filter keeps each under the status it is shown in.
    const idsWith = async (status: 'queued' | 'running') =>
      (await w.client.listJobs(ALICE, { status })).map((j) => j.id);
    expect(await idsWith('queued')).toContain(pending.id);
    expect(await idsWith('queued')).not.toContain(started.id);
    expect(await idsWith('running')).toContain(started.id);
    expect(await idsWith('running')).not.toContain(pending.id);
    await w.client.cancelJob(ALICE, job.id);
    w.advance(JOB_SECONDS);
    expect(await w.client.getJob(ALICE, pending.id)).toMatchObject({ status: 'cancelled', startedAt: null });
    expect(await w.client.getJob(ALICE, job.id)).toMatchObject({ status: 'cancelled', upstreamStatus: 'cancelled' });
    await expect(w.client.cancelJob(ALICE, job.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await w.client.listJobs(ALICE, { status: 'cancelled' })).map((j) => j.id)).toContain(job.id);
  });

  it('sends the full parameter set: full training, DPO refusal named by field, early stopping, from_checkpoint', async () => {
    const train = await upload('f.jsonl', 40);
    const valid = await upload('fv.jsonl', 10);
    const full = await w.client.createJob(ALICE, {
      model: MODEL,
      trainingFileId: train.id,
      validationFileId: valid.id,
      training: { type: 'full' },
      nEvals: 6,
      earlyStopping: { patience: 2, warmupEvals: 1 },
      lrScheduler: { type: 'cosine', minLrRatio: 0.1 },
      method: { method: 'sft', trainOnInputs: false },
    });
    expect(full.hyperparameters).toMatchObject({ trainingType: 'full', lora: null, trainOnInputs: false });
    await expect(
      w.client.createJob(ALICE, { model: MODEL, trainingFileId: train.id, method: { method: 'dpo' } }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'files.trainingFileId' });
    w.advance(JOB_SECONDS);
    const next = await w.client.createJob(ALICE, { model: MODEL, trainingFileId: train.id, fromCheckpoint: full.id });
    expect(next.fromCheckpoint).toBe(full.id);
  });
});
