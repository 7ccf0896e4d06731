/**
 * Together's refusals and failures as the gateway's error codes, retries counted from the
 * simulator's stats, tenant isolation, and secrets kept out of every message.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isUpstreamError, type UpstreamError } from '../../../src/upstream/errors.js';
import {
  ALICE,
  BOB,
  MODEL,
  POOR,
  count,
  instructionJsonl,
  startTogetherWorld,
  streamOf,
  type TogetherWorld,
} from './together-world.js';

let w: TogetherWorld;
let trainingFileId: string;
beforeAll(async () => {
  w = await startTogetherWorld();
  const text = instructionJsonl(40);
  trainingFileId = (await w.client.uploadFile(ALICE, { filename: 'train.jsonl', body: streamOf(text) })).id;
});
afterAll(() => w.close());
afterEach(() => {
  w.sim.setFaults({});
  w.sim.resetStats();
});

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isUpstreamError(error)) throw new Error(`expected an UpstreamError, got ${String(error)}`);
  return error;
}

describe('Together client: errors', () => {
  it('an unknown key is UNAUTHENTICATED, and the key is in no message', async () => {
    const secret = 'sk-not-a-tenant-0123456789';
    const error = await failure(w.client.listJobs({ token: secret }));
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', status: 401, upstreamCode: 'invalid_api_key' });
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(secret);
  });

  it("another tenant's job or file is NOT_FOUND", async () => {
    const job = await w.client.createJob(ALICE, { model: MODEL, trainingFileId });
    for (const attempt of [
      w.client.getJob(BOB, job.id),
      w.client.cancelJob(BOB, job.id),
      w.client.getMetrics(BOB, job.id),
      w.client.listEvents(BOB, job.id),
      w.client.getDownloadUrl(BOB, job.id, { artifact: 'adapter' }),
      w.client.getFile(BOB, trainingFileId),
    ])
      expect(await failure(attempt)).toMatchObject({ code: 'NOT_FOUND' });
    expect((await w.client.getJob(ALICE, job.id)).upstreamStatus).toBe('pending');
  });

  it('a refused parameter is BAD_USER_INPUT naming the field of the GraphQL input that sets it', async () => {
    const error = await failure(w.client.createJob(ALICE, { model: MODEL, trainingFileId: 'file-nope' }));
    expect(error).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'files.trainingFileId',
      upstreamParam: 'training_file',
    });
    expect(error.message).toMatch(/^files\.trainingFileId: no file/);
    const suffix = await failure(w.client.createJob(ALICE, { model: MODEL, trainingFileId, suffix: 'x'.repeat(65) }));
    expect(suffix).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    const model = await failure(w.client.estimatePrice(ALICE, { model: 'no/such', trainingFileId }));
    expect(model).toMatchObject({ code: 'BAD_USER_INPUT', field: 'baseModelId' });
  });

  it("Together's insufficient balance is INSUFFICIENT_CREDIT; the estimate says why it may not proceed", async () => {
    const text = instructionJsonl(40);
    const file = await w.client.uploadFile(POOR, { filename: 'p.jsonl', body: streamOf(text) });
    const estimate = await w.client.estimatePrice(POOR, { model: MODEL, trainingFileId: file.id });
    expect(estimate).toMatchObject({ available: true, allowedToProceed: false });
    expect(estimate.reason).toMatch(/exceeds the available balance/);
    const error = await failure(w.client.createJob(POOR, { model: MODEL, trainingFileId: file.id }));
    expect(error).toMatchObject({ code: 'INSUFFICIENT_CREDIT', status: 402, upstreamCode: 'insufficient_balance' });
    expect(error.message).toMatch(/^Insufficient balance/);
  });

  it('the HF and W&B keys of a refused creation are in no message', async () => {
    const hf = 'hf_secretTOKENvalue12345';
    const wandb = 'wandb-secret-key-98765';
    const error = await failure(
      w.client.createJob(ALICE, {
        model: MODEL,
        trainingFileId,
        huggingFaceExport: { repositoryName: 'not a repo', token: hf },
        wandb: { apiKey: wandb },
      }),
    );
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).not.toContain(hf);
    expect(error.message).not.toContain(wandb);
  });

  it('a GET is retried through 503s and 429s, counted by the simulator', async () => {
    const job = await w.client.createJob(ALICE, { model: MODEL, trainingFileId });
    w.sim.resetStats();
    w.sim.setFaults({ route: 'GET /fine-tunes/{id}', error: { status: 503, count: 2 } });
    expect((await w.client.getJob(ALICE, job.id)).id).toBe(job.id);
    expect(count(w.sim, 'GET /fine-tunes/{id}')).toBe(3);

    w.sim.resetStats();
    w.sim.setFaults({ route: 'GET /fine-tunes/{id}', rateLimit: { count: 3, retryAfterSeconds: 2 } });
    const limited = await failure(w.client.getJob(ALICE, job.id));
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 2 });
    expect(count(w.sim, 'GET /fine-tunes/{id}')).toBe(3);

    // A wait longer than the client waits out (5 s) is the caller's to take: told at once, not held.
    w.sim.resetStats();
    w.sim.setFaults({ route: 'GET /fine-tunes/{id}', rateLimit: { count: 3, retryAfterSeconds: 7 } });
    const held = await failure(w.client.getJob(ALICE, job.id));
    expect(held).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 7 });
    expect(count(w.sim, 'GET /fine-tunes/{id}')).toBe(1);

    w.sim.resetStats();
    w.sim.setFaults({ route: 'GET /fine-tunes', error: { status: 500, count: 3 } });
    expect(await failure(w.client.listJobs(ALICE))).toMatchObject({ code: 'UPSTREAM_ERROR', status: 500 });
    w.sim.setFaults({ route: 'GET /fine-tunes', error: { status: 503, count: 3 } });
    expect(await failure(w.client.listJobs(ALICE))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503 });
  });

  it('job creation is never retried; a lost answer is UPSTREAM_OUTCOME_UNKNOWN, and the job did get created', async () => {
    const before = (await w.client.listJobs(ALICE)).length;
    w.sim.resetStats();
    w.sim.setFaults({ route: 'POST /fine-tunes', error: { status: 503, count: 1 } });
    expect(await failure(w.client.createJob(ALICE, { model: MODEL, trainingFileId }))).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(count(w.sim, 'POST /fine-tunes')).toBe(1);

    w.sim.setFaults({ route: 'POST /fine-tunes', drop: { count: 1, after: true } });
    const lost = await failure(w.client.createJob(ALICE, { model: MODEL, trainingFileId }));
    expect(lost.code).toBe('UPSTREAM_OUTCOME_UNKNOWN');
    expect(lost.message).toMatch(/Check `jobs` before retrying/);
    expect(count(w.sim, 'POST /fine-tunes')).toBe(2);
    expect((await w.client.listJobs(ALICE)).length).toBe(before + 1);

    w.sim.setFaults({ route: 'POST /fine-tunes', error: { status: 500, count: 1 } });
    expect((await failure(w.client.createJob(ALICE, { model: MODEL, trainingFileId }))).code).toBe(
      'UPSTREAM_OUTCOME_UNKNOWN',
    );
  });

  it('a cancel whose answer was lost is retried, and the cancel it made is the result', async () => {
    const job = await w.client.createJob(ALICE, { model: MODEL, trainingFileId });
    w.sim.resetStats();
    w.sim.setFaults({ route: 'POST /fine-tunes/{id}/cancel', drop: { count: 1, after: true } });
    expect((await w.client.cancelJob(ALICE, job.id)).upstreamStatus).toBe('cancel_requested');
    expect(count(w.sim, 'POST /fine-tunes/{id}/cancel')).toBe(2);
  });

  it('an unreachable Together is UPSTREAM_UNAVAILABLE', async () => {
    const { createTogetherClient } = await import('../../../src/upstream/together/together-client.js');
    const dead = createTogetherClient({ baseUrl: 'http://127.0.0.1:1/v1', retry: { maxAttempts: 1 } });
    expect((await failure(dead.listJobs(ALICE))).code).toBe('UPSTREAM_UNAVAILABLE');
    await dead.close();
  });
});
