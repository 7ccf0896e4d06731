/**
 * The client against the simulator over real HTTP: every endpoint, every error status, each fault
 * kind, tenant isolation, a job's whole life on a fake clock, and bad input that creates nothing.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_BASE_MODELS } from '../../src/simulator/seed-base-models.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/index.js';
import { createUpstreamClient } from '../../src/upstream/client.js';
import type { ClosableUpstreamClient } from '../../src/upstream/client.js';
import { UpstreamError } from '../../src/upstream/errors.js';
import type { CreateJobInput } from '../../src/upstream/schemas.js';
import type { Credentials } from '../../src/upstream/types.js';
import { everythingAbout, rejectionOf } from './mock-upstream.js';

const DEMO: Credentials = { token: 'demo-token', organizationId: 'demo-org' };
const OTHER: Credentials = { token: 'other-token', organizationId: 'other-org' };
const POOR: Credentials = { token: 'poor-token', organizationId: 'poor-org' };
const LLAMA = SEED_BASE_MODELS[0]?.id ?? '';
const MAX_UPLOAD = 64 * 1024;
const CSV =
  ['question,answer', ...Array.from({ length: 40 }, (_, i) => `What is ${i} plus ${i}?,It is ${2 * i}.`)].join('\n') +
  '\n';

let sim: Simulator;
let client: ClosableUpstreamClient;
let clock = Date.parse('2026-03-02T09:00:00.000Z');
const advance = (ms: number): void => void (clock += ms);

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    jobSeconds: 2,
    now: () => clock,
    maxUploadBytes: MAX_UPLOAD,
    tenants: [
      { token: 'demo-token', organizationId: 'demo-org' },
      { token: 'other-token', organizationId: 'other-org' },
      { token: 'poor-token', organizationId: 'poor-org', creditUsd: 1 },
    ],
  });
  // The default Agent (no injected dispatcher); retries quick, so fault tests stay fast.
  client = createUpstreamClient({
    baseUrl: sim.apiBaseUrl,
    deadlineMs: 10_000,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
  });
});
afterAll(async () => {
  await client.close();
  await sim.close();
});
beforeEach(() => {
  sim.setFaults({});
  sim.resetStats();
});

const csv = (text: string): Readable => Readable.from([Buffer.from(text)]);

async function seedDataset(creds: Credentials): Promise<string> {
  const file = await client.uploadFile(creds, { filename: 'qa.csv', body: csv(CSV) });
  return (await client.createDataset(creds, { name: 'qa', trainingFileId: file.id })).id;
}

const jobInput = (datasetId: string, extra: Partial<CreateJobInput> = {}): CreateJobInput => ({
  name: 'integration',
  baseModelId: LLAMA,
  dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
  ...extra,
});

const jobCount = async (creds: Credentials = DEMO): Promise<number> =>
  (await client.listJobs(creds, { limit: 1 })).total;

async function codeOf(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

let dataset: string;
beforeAll(async () => {
  dataset = await seedDataset(DEMO);
});

describe('every endpoint', () => {
  it('catalogue, files and datasets', async () => {
    const models = await client.listBaseModels(DEMO);
    expect(models.map((m) => m.id)).toEqual(SEED_BASE_MODELS.map((m) => m.id));
    expect(models[0]).toMatchObject({ contextLength: 8192, trainingPrecision: 'float16' });

    const file = await client.uploadFile(DEMO, { filename: 'train.csv', body: csv(CSV) });
    expect(file).toMatchObject({ name: 'train.csv', bytes: Buffer.byteLength(CSV), workspaceId: 'demo-org' });
    expect(file.columns?.map((c) => c.name)).toEqual(['question', 'answer']);
    expect((await client.getFile(DEMO, file.id)).id).toBe(file.id);

    const validation = await client.uploadFile(DEMO, { filename: 'val.csv', body: csv(CSV) });
    const ds = await client.createDataset(DEMO, {
      name: 'with validation',
      trainingFileId: file.id,
      validationFileId: validation.id,
    });
    expect(ds).toMatchObject({ trainingFileId: file.id, validationFileId: validation.id, workspaceId: 'demo-org' });
    expect(ds.createdAt).toBeInstanceOf(Date);
    expect((await client.getDataset(DEMO, ds.id)).name).toBe('with validation');
    expect((await client.listDatasets(DEMO)).map((d) => d.id)).toContain(ds.id);

    await client.deleteDataset(DEMO, ds.id);
    expect((await codeOf(client.getDataset(DEMO, ds.id))).code).toBe('NOT_FOUND');
    expect((await client.listDatasets(DEMO)).map((d) => d.id)).not.toContain(ds.id);
  });

  it('a job from estimate to completion: status, metrics, download, export', async () => {
    const estimate = await client.estimateJob(DEMO, jobInput(dataset));
    expect(estimate.cost).toBeGreaterThanOrEqual(2);
    expect(estimate.tokens).toBeGreaterThan(0);

    const before = await jobCount();
    const job = await client.createJob(
      DEMO,
      jobInput(dataset, { hyperparameters: { nEpochs: 2, nEvals: 1, lora: { r: 16 } } }),
    );
    expect(job).toMatchObject({ status: 'queued', baseModelId: LLAMA, startedAt: null });
    expect(job.hyperparameters).toMatchObject({
      nEpochs: 2,
      nEvals: 1,
      batchSize: 4,
      learningRate: 1e-5,
      lora: { r: 16, alpha: 8, enabled: true },
    });
    expect(await jobCount()).toBe(before + 1);
    expect((await codeOf(client.getDownloadUrl(DEMO, job.id))).code).toBe('CONFLICT');

    advance(1_000);
    const midway = await client.getJob(DEMO, job.id);
    expect(['starting', 'running']).toContain(midway.status);

    advance(2_000);
    const done = await client.getJob(DEMO, job.id);
    expect(done.status).toBe('completed');
    expect(done.completedAt).toBeInstanceOf(Date);
    const { jobs } = await client.listJobs(DEMO, { status: 'completed' });
    expect(jobs.map((j) => j.id)).toContain(job.id);

    const metrics = await client.getMetrics(DEMO, job.id);
    expect(metrics.points.length).toBeGreaterThan(0);
    expect(metrics.trainingSteps).toBeGreaterThan(0);
    expect(metrics.points.every((p) => p.trainingLoss === null || Number.isFinite(p.trainingLoss))).toBe(true);
    expect(metrics.points.some((p) => p.validationLoss !== null)).toBe(true);

    const url = await client.getDownloadUrl(DEMO, job.id);
    expect(url.origin).toBe(sim.origin);
    expect(url.pathname).toMatch(/^\/__downloads\/.+/);

    const exp = await client.exportToHuggingFace(DEMO, job.id, {
      userId: 'someone',
      accessToken: `hf_${'a1'.repeat(17)}`,
      repositoryId: 'someone/llama-qa',
    });
    expect(exp).toMatchObject({ jobId: job.id, status: 'queued', repositoryId: 'someone/llama-qa' });
  });

  it('a job cancelled, then refused a second cancel', async () => {
    const job = await client.createJob(DEMO, jobInput(dataset));
    const cancelled = await client.cancelJob(DEMO, job.id);
    expect(cancelled.status).toBe('cancelled');
    const again = await codeOf(client.cancelJob(DEMO, job.id));
    expect(again).toMatchObject({ code: 'CONFLICT', status: 409, upstreamCode: 'failed_precondition' });
    expect(again.message).toContain('already cancelled');
    advance(5_000);
    expect((await client.getJob(DEMO, job.id)).status).toBe('cancelled');
  });

  it('listJobs pages: limit, offset and total', async () => {
    await client.createJob(DEMO, jobInput(dataset));
    await client.createJob(DEMO, jobInput(dataset));
    const total = await jobCount();
    const page = await client.listJobs(DEMO, { limit: 1, offset: 1 });
    expect(page.total).toBe(total);
    expect(page.jobs).toHaveLength(1);
    expect((await codeOf(client.listJobs(DEMO, { limit: 0 }))).message).toMatch(/^limit:/);
  });
});

describe('tenants', () => {
  it("cannot see each other's data", async () => {
    const job = await client.createJob(DEMO, jobInput(dataset));
    expect((await codeOf(client.getJob(OTHER, job.id))).code).toBe('NOT_FOUND');
    expect((await codeOf(client.cancelJob(OTHER, job.id))).code).toBe('NOT_FOUND');
    expect((await codeOf(client.getDataset(OTHER, dataset))).code).toBe('NOT_FOUND');
    expect((await client.listJobs(OTHER)).jobs.map((j) => j.id)).not.toContain(job.id);
    expect(await client.listDatasets(OTHER)).toEqual([]);
    // Nor use each other's datasets.
    expect((await codeOf(client.createJob(OTHER, jobInput(dataset)))).message).toMatch(/^dataset\.id:/);
  });

  it("a token used on another organization's path → FORBIDDEN", async () => {
    const error = await codeOf(client.listJobs({ token: 'demo-token', organizationId: 'other-org' }));
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 403, upstreamCode: 'permission_denied' });
  });
});

describe('every error status', () => {
  it('401 → UNAUTHENTICATED, and the token is in no part of the error', async () => {
    const token = 'unknown-token-SECRET-VALUE';
    const error = await codeOf(client.listBaseModels({ token, organizationId: 'demo-org' }));
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect(everythingAbout(error)).not.toContain(token);
  });

  it('402 → INSUFFICIENT_CREDIT with the upstream sentence; nothing created', async () => {
    const poorDataset = await seedDataset(POOR);
    const error = await codeOf(client.createJob(POOR, jobInput(poorDataset)));
    expect(error).toMatchObject({ code: 'INSUFFICIENT_CREDIT', status: 402, upstreamCode: 'resource_exhausted' });
    expect(error.message).toContain('insufficient credit');
    expect(await jobCount(POOR)).toBe(0);
  });

  it('404 → NOT_FOUND on every kind of id', async () => {
    for (const call of [
      client.getJob(DEMO, 'job-nope'),
      client.getMetrics(DEMO, 'job-nope'),
      client.cancelJob(DEMO, 'job-nope'),
      client.getDownloadUrl(DEMO, 'job-nope'),
      client.getFile(DEMO, 'file-nope'),
      client.getDataset(DEMO, 'ds-nope'),
      client.deleteDataset(DEMO, 'ds-nope'),
    ]) {
      const error = await codeOf(call);
      expect(error).toMatchObject({ code: 'NOT_FOUND', status: 404 });
      expect(error.message).toMatch(/nope/);
    }
  });

  it('ids are percent-encoded end to end', async () => {
    expect((await codeOf(client.getJob(DEMO, 'a/b?c#d é'))).message).toContain('"a/b?c#d é"');
  });

  it('409 → CONFLICT: download of a job not completed', async () => {
    const job = await client.createJob(DEMO, jobInput(dataset));
    expect(await codeOf(client.getDownloadUrl(DEMO, job.id))).toMatchObject({ code: 'CONFLICT', status: 409 });
  });

  it('413 → BAD_USER_INPUT naming the file; nothing stored', async () => {
    const big = 'question,answer\n' + 'x,y\n'.repeat(MAX_UPLOAD);
    const error = await codeOf(client.uploadFile(DEMO, { filename: 'big.csv', body: csv(big) }));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', status: 413 });
    expect(error.message).toMatch(/^file: larger than/);
  });

  it('429 (fault) → retried after Retry-After, then succeeds', async () => {
    sim.setFaults({ route: 'GET /jobs', rateLimit: { count: 1, retryAfterSeconds: 0 } });
    await client.listJobs(DEMO);
    expect(sim.stats()['GET /jobs']).toBe(2);
  });

  it('429 with a Retry-After beyond the deadline → RATE_LIMITED at once', async () => {
    sim.setFaults({ route: 'GET /jobs', rateLimit: { count: 5, retryAfterSeconds: 60 } });
    expect(await codeOf(client.listJobs(DEMO))).toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
      retryAfterSeconds: 60,
    });
    expect(sim.stats()['GET /jobs']).toBe(1);
  });

  it('429 that persists → RATE_LIMITED after maxAttempts', async () => {
    sim.setFaults({ route: 'GET /base-models', rateLimit: { rate: 1, retryAfterSeconds: 0 } });
    expect(await codeOf(client.listBaseModels(DEMO))).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 0 });
    expect(sim.stats()['GET /base-models']).toBe(3);
  });

  it('500 (fault) that lasts → UPSTREAM_ERROR with a generic message, after one retry', async () => {
    sim.setFaults({ route: 'GET /jobs/{id}', error: { rate: 1, status: 500 } });
    const error = await codeOf(client.getJob(DEMO, 'whatever'));
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', status: 500, upstreamCode: 'internal' });
    expect(error.message).not.toContain('simulated');
    expect(sim.stats()['GET /jobs/{id}']).toBe(2);
  });

  it('503 (fault) once → retried and succeeds', async () => {
    sim.setFaults({ route: 'GET /datasets', error: { count: 1, status: 503 } });
    await client.listDatasets(DEMO);
    expect(sim.stats()['GET /datasets']).toBe(2);
  });

  it('503 (fault) persisting → UPSTREAM_UNAVAILABLE after maxAttempts', async () => {
    sim.setFaults({ route: 'GET /datasets', error: { rate: 1 } });
    expect(await codeOf(client.listDatasets(DEMO))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503 });
    expect(sim.stats()['GET /datasets']).toBe(3);
  });

  it('503 on job creation → UPSTREAM_UNAVAILABLE, one attempt, nothing created', async () => {
    const before = await jobCount();
    sim.setFaults({ route: 'POST /jobs', error: { rate: 1 } });
    expect((await codeOf(client.createJob(DEMO, jobInput(dataset)))).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(sim.stats()['POST /jobs']).toBe(1);
    sim.setFaults({});
    expect(await jobCount()).toBe(before);
  });

  it('a dropped connection on GET → retried and succeeds', async () => {
    sim.setFaults({ route: 'GET /jobs', drop: { count: 1 } });
    await client.listJobs(DEMO);
    expect(sim.stats()['GET /jobs']).toBe(2);
  });

  it('dropped connections that persist → UPSTREAM_UNAVAILABLE', async () => {
    sim.setFaults({ route: 'GET /base-models', drop: { rate: 1 } });
    expect((await codeOf(client.listBaseModels(DEMO))).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(sim.stats()['GET /base-models']).toBe(3);
  });

  it('job creation dropped after it was handled → UPSTREAM_OUTCOME_UNKNOWN, and the job does exist', async () => {
    const before = await jobCount();
    sim.setFaults({ route: 'POST /jobs', drop: { count: 1, after: true } });
    expect((await codeOf(client.createJob(DEMO, jobInput(dataset)))).code).toBe('UPSTREAM_OUTCOME_UNKNOWN');
    expect(sim.stats()['POST /jobs']).toBe(1);
    expect(await jobCount()).toBe(before + 1);
  });

  it('job creation dropped before it was handled → also UPSTREAM_OUTCOME_UNKNOWN (the client cannot tell), nothing created', async () => {
    const before = await jobCount();
    sim.setFaults({ route: 'POST /jobs', drop: { count: 1 } });
    expect((await codeOf(client.createJob(DEMO, jobInput(dataset)))).code).toBe('UPSTREAM_OUTCOME_UNKNOWN');
    expect(sim.stats()['POST /jobs']).toBe(1);
    expect(await jobCount()).toBe(before);
  });

  it('latency (fault) past the deadline → UPSTREAM_UNAVAILABLE; on job creation → UPSTREAM_OUTCOME_UNKNOWN', async () => {
    sim.setFaults({ latencyMs: 2_000 });
    expect((await codeOf(client.listBaseModels(DEMO, { deadlineMs: 50 }))).code).toBe('UPSTREAM_UNAVAILABLE');
    // The simulator goes on handling the request after the client gave up: an input it refuses
    // keeps that late handling from creating a job under the other tests' counts.
    const refused = jobInput(dataset, { hyperparameters: { nEpochs: 0 } });
    expect((await codeOf(client.createJob(DEMO, refused, { deadlineMs: 50 }))).code).toBe('UPSTREAM_OUTCOME_UNKNOWN');
  });

  it('a dry run is retried through faults: it creates nothing', async () => {
    sim.setFaults({ route: 'POST /jobs', error: { count: 1 } });
    expect((await client.estimateJob(DEMO, jobInput(dataset))).cost).toBeGreaterThanOrEqual(2);
    expect(sim.stats()['POST /jobs']).toBe(2);
  });

  it('the cancel retried after a lost answer returns the cancelled job', async () => {
    const job = await client.createJob(DEMO, jobInput(dataset));
    sim.setFaults({ route: 'POST /jobs/{id}/cancel', drop: { count: 1, after: true } });
    expect((await client.cancelJob(DEMO, job.id)).status).toBe('cancelled');
    expect(sim.stats()['POST /jobs/{id}/cancel']).toBe(2);
  });

  it('the delete retried after a lost answer succeeds', async () => {
    const ds = await seedDataset(DEMO);
    sim.setFaults({ route: 'DELETE /datasets/{id}', drop: { count: 1, after: true } });
    await client.deleteDataset(DEMO, ds);
    expect(sim.stats()['DELETE /datasets/{id}']).toBe(2);
  });

  it('the upstream not listening at all → UPSTREAM_UNAVAILABLE', async () => {
    const gone = await startSimulator({ port: 0 });
    const base = gone.apiBaseUrl;
    await gone.close();
    const c = createUpstreamClient({ baseUrl: base, retry: { baseDelayMs: 1, maxDelayMs: 1 } });
    expect((await codeOf(c.listBaseModels(DEMO))).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await codeOf(c.createJob(DEMO, jobInput(dataset)))).code).toBe('UPSTREAM_UNAVAILABLE');
    await c.close();
  });
});

describe('bad input → BAD_USER_INPUT naming the field, nothing created', () => {
  const cases: Array<[string, CreateJobInput['hyperparameters'], string]> = [
    ['n_epochs 0', { nEpochs: 0 }, 'hyperparameters.n_epochs'],
    ['n_epochs 21', { nEpochs: 21 }, 'hyperparameters.n_epochs'],
    ['n_epochs 1.5', { nEpochs: 1.5 }, 'hyperparameters.n_epochs'],
    ['n_evals -1', { nEvals: -1 }, 'hyperparameters.n_evals'],
    ['n_evals 101', { nEvals: 101 }, 'hyperparameters.n_evals'],
    ['batch_size 6', { batchSize: 6 }, 'hyperparameters.batch_size'],
    ['batch_size 64', { batchSize: 64 }, 'hyperparameters.batch_size'],
    ['learning_rate 0', { learningRate: 0 }, 'hyperparameters.learning_rate'],
    ['learning_rate 0.1', { learningRate: 0.1 }, 'hyperparameters.learning_rate'],
    ['warmup_ratio -0.1', { warmupRatio: -0.1 }, 'hyperparameters.warmup_ratio'],
    ['warmup_ratio 1.5', { warmupRatio: 1.5 }, 'hyperparameters.warmup_ratio'],
    ['weight_decay -1', { weightDecay: -1 }, 'hyperparameters.weight_decay'],
    ['lora.r 0', { lora: { r: 0 } }, 'hyperparameters.lora.r'],
    ['lora.r 65', { lora: { r: 65 } }, 'hyperparameters.lora.r'],
    ['lora.alpha 0', { lora: { alpha: 0 } }, 'hyperparameters.lora.alpha'],
    ['lora.alpha 65', { lora: { alpha: 65 } }, 'hyperparameters.lora.alpha'],
    ['lora.dropout -0.5', { lora: { dropout: -0.5 } }, 'hyperparameters.lora.dropout'],
    ['lora.dropout 1.5', { lora: { dropout: 1.5 } }, 'hyperparameters.lora.dropout'],
    [
      'lora.trainable_modules',
      { lora: { trainableModules: ['q_proj', 'x_proj'] } },
      'hyperparameters.lora.trainable_modules[1]',
    ],
    ['lora.enabled false', { lora: { enabled: false } }, 'hyperparameters.lora.enabled'],
  ];

  it.each(cases)('%s', async (_, hyperparameters, field) => {
    const before = await jobCount();
    const created = await codeOf(client.createJob(DEMO, jobInput(dataset, { hyperparameters })));
    expect(created).toMatchObject({ code: 'BAD_USER_INPUT', status: 400, upstreamCode: 'invalid_argument' });
    expect(created.message.startsWith(`${field}: `)).toBe(true);
    const estimated = await codeOf(client.estimateJob(DEMO, jobInput(dataset, { hyperparameters })));
    expect(estimated).toMatchObject({ code: 'BAD_USER_INPUT', message: created.message });
    expect(sim.stats()['POST /jobs']).toBe(2); // one attempt each: a 400 is not retried
    expect(await jobCount()).toBe(before);
  });

  it.each([
    [
      'unknown model',
      (ds: string) => ({ ...jobInput(ds), baseModelId: '00000000-0000-0000-0000-000000000000' }),
      'base_model_id',
    ],
    [
      'missing answer column',
      (ds: string) => jobInput(ds, { dataset: { id: ds, answerColumn: 'reply' } }),
      'dataset.answer_column',
    ],
    [
      'missing prompt column',
      (ds: string) => jobInput(ds, { dataset: { id: ds, promptColumn: 'query', answerColumn: 'answer' } }),
      'dataset.prompt_column',
    ],
    ['unknown dataset', () => jobInput('ds-nope'), 'dataset.id'],
    ['empty name', (ds: string) => ({ ...jobInput(ds), name: '' }), 'name'],
  ])('%s', async (_, input, field) => {
    const before = await jobCount();
    const error = await codeOf(client.createJob(DEMO, input(dataset)));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', status: 400 });
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(await jobCount()).toBe(before);
  });

  it.each([
    ['empty file', Buffer.alloc(0), /^file: /],
    ['header only', Buffer.from('question,answer\n'), /^file: /],
  ])('upload of %s', async (_, bytes, message) => {
    const error = await codeOf(client.uploadFile(DEMO, { filename: 'x.csv', body: Readable.from([bytes]) }));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', status: 400 });
    expect(error.message).toMatch(message);
    expect(sim.stats()['POST /files']).toBe(1); // not retried (the contract has no file listing to check further)
  });

  it('upload of binary (not CSV): refused by the gateway as it streams, naming the file and the byte', async () => {
    const bytes = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff, 0xfe]);
    const error = await codeOf(client.uploadFile(DEMO, { filename: 'x.csv', body: Readable.from([bytes]) }));
    // The gateway's own refusal (utf8-text.ts): no upstream status; the upload to the upstream is cut.
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', status: undefined });
    expect(error.message).toMatch(/^file: "x\.csv" is not a text file: it holds binary data \(a NUL byte at /);
  });

  it('dataset naming an unknown file', async () => {
    const error = await codeOf(client.createDataset(DEMO, { name: 'x', trainingFileId: 'file-nope' }));
    // The upstream's snake_case complaint, in the client input's names, with the field (input-fields.ts).
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'trainingFileId' });
    expect(error.message).toMatch(/^trainingFileId: /);
  });

  it('export with a malformed Hugging Face token names the field and never echoes the token', async () => {
    const job = await client.createJob(DEMO, jobInput(dataset));
    advance(3_000);
    const accessToken = 'not-a-hf-token-SECRET';
    const error = await codeOf(
      client.exportToHuggingFace(DEMO, job.id, { userId: 'me', accessToken, repositoryId: 'me/repo' }),
    );
    expect(error).toMatchObject({ field: 'accessToken' });
    expect(error.message).toMatch(/^accessToken: /);
    expect(everythingAbout(error)).not.toContain(accessToken);
  });
});
