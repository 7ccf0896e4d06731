/** What each endpoint sends (method, path, snake_case body) and how it reads the answer. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CREDS,
  JOB_INPUT,
  JSON_HEADERS,
  ORG_PATH,
  mockUpstream,
  rejectionOf,
  wireDataset,
  wireJob,
} from './mock-upstream.js';
import type { MockUpstream } from './mock-upstream.js';

let up: MockUpstream;
beforeEach(() => {
  up = mockUpstream();
});
afterEach(() => up.close());

interface Seen {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Answers `method path` with `status`/`data` and records what was sent. */
function expectCall(
  method: string,
  path: string,
  status: number,
  data: unknown,
  headers: Record<string, string> = {},
): Seen[] {
  const seen: Seen[] = [];
  up.pool.intercept({ path, method }).reply((opts) => {
    seen.push({
      path: opts.path,
      method: opts.method,
      headers: opts.headers as Record<string, string>,
      body: typeof opts.body === 'string' ? JSON.parse(opts.body) : undefined,
    });
    return {
      statusCode: status,
      data: typeof data === 'string' ? data : JSON.stringify(data),
      responseOptions: { headers: { ...JSON_HEADERS.headers, ...headers } },
    };
  });
  return seen;
}

describe('request bodies', () => {
  it('createJob sends dry_run false, snake_case, and leaves out what the caller did not set', async () => {
    const seen = expectCall('POST', `${ORG_PATH}/jobs`, 201, {
      dry_run: false,
      estimated_usage: { cost: 2, tokens: 10 },
      job: wireJob(),
    });
    const job = await up.client.createJob(CREDS, {
      ...JOB_INPUT,
      dataset: { id: 'ds-1', promptColumn: null, answerColumn: 'answer' },
      hyperparameters: {
        nEpochs: 2,
        nEvals: 3,
        warmupRatio: 0.1,
        maskPromptLabels: true,
        lora: { r: 16, trainableModules: ['q_proj'] },
      },
    });
    expect(job).toMatchObject({ id: 'job-1', status: 'queued', baseModelName: 'Meta-Llama-3-8B-Instruct' });
    expect(job.createdAt).toEqual(new Date('2026-01-14T14:57:45.376Z'));
    expect(seen[0]?.body).toEqual({
      name: 'my job',
      base_model_id: 'e5f6a7b8-c9d0-1234-efab-567890123456',
      dry_run: false,
      dataset: { id: 'ds-1', answer_column: 'answer' },
      hyperparameters: {
        n_epochs: 2,
        n_evals: 3,
        warmup_ratio: 0.1,
        mask_prompt_labels: true,
        lora: { r: 16, trainable_modules: ['q_proj'] },
      },
    });
    expect(seen[0]?.headers['content-type']).toBe('application/json');
  });

  it('estimateJob sends dry_run true and returns the estimated usage', async () => {
    const seen = expectCall('POST', `${ORG_PATH}/jobs`, 200, {
      dry_run: true,
      estimated_usage: { cost: 4.25, tokens: 8_500_000 },
      job: null,
    });
    expect(
      await up.client.estimateJob(CREDS, {
        ...JOB_INPUT,
        dataset: { id: 'ds-1', promptColumn: 'q', answerColumn: 'a' },
      }),
    ).toEqual({
      cost: 4.25,
      tokens: 8_500_000,
    });
    expect(seen[0]?.body).toMatchObject({
      dry_run: true,
      dataset: { id: 'ds-1', prompt_column: 'q', answer_column: 'a' },
    });
    expect(seen[0]?.body).not.toHaveProperty('hyperparameters');
  });

  it('createJob refuses an answer without a job', async () => {
    expectCall('POST', `${ORG_PATH}/jobs`, 201, {
      dry_run: false,
      estimated_usage: { cost: 2, tokens: 10 },
      job: null,
    });
    expect(await rejectionOf(up.client.createJob(CREDS, JOB_INPUT))).toMatchObject({
      code: 'UPSTREAM_ERROR',
      message: 'POST /jobs: unexpected response at job: a created job was expected, got null',
    });
  });

  it('createDataset and the Hugging Face export', async () => {
    const ds = expectCall('POST', `${ORG_PATH}/datasets`, 201, wireDataset({ validation_file_id: 'file-2' }));
    const dataset = await up.client.createDataset(CREDS, {
      name: 'qa',
      trainingFileId: 'file-1',
      validationFileId: 'file-2',
    });
    expect(dataset).toMatchObject({
      id: 'ds-1',
      trainingFileId: 'file-1',
      validationFileId: 'file-2',
      workspaceId: 'demo-org',
    });
    expect(ds[0]?.body).toEqual({ name: 'qa', training_file_id: 'file-1', validation_file_id: 'file-2' });

    const exp = expectCall('POST', `${ORG_PATH}/jobs/job-1/exports/hugging-face`, 202, {
      id: 'exp-1',
      job_id: 'job-1',
      status: 'queued',
      huggingface_repository_id: 'me/model',
      created_at: '2026-01-14T14:57:45Z',
    });
    const result = await up.client.exportToHuggingFace(CREDS, 'job-1', {
      userId: 'me',
      accessToken: 'hf_abc',
      repositoryId: 'me/model',
    });
    expect(result).toMatchObject({ id: 'exp-1', jobId: 'job-1', status: 'queued', repositoryId: 'me/model' });
    expect(exp[0]?.body).toEqual({
      huggingface_user_id: 'me',
      huggingface_access_token: 'hf_abc',
      huggingface_repository_id: 'me/model',
    });
  });
});

describe('reading answers', () => {
  it('listJobs sends the filter and paging, maps { data, total } to { jobs, total }', async () => {
    const seen = expectCall('GET', `${ORG_PATH}/jobs?status=running&limit=10&offset=20`, 200, {
      data: [wireJob({ status: 'running' })],
      total: 31,
    });
    const page = await up.client.listJobs(CREDS, { status: 'running', limit: 10, offset: 20 });
    expect(page.total).toBe(31);
    expect(page.jobs.map((j) => j.status)).toEqual(['running']);
    expect(seen).toHaveLength(1);
  });

  it('listJobs without options sends no query', async () => {
    expectCall('GET', `${ORG_PATH}/jobs`, 200, { data: [], total: 0 });
    expect(await up.client.listJobs(CREDS)).toEqual({ jobs: [], total: 0 });
  });

  it('base models, files, datasets, metrics', async () => {
    expectCall('GET', `${ORG_PATH}/base-models`, 200, {
      data: [
        {
          id: 'm',
          organization: 'Meta',
          name: 'L',
          context_length: 8192,
          supported_batch_sizes: [4, 8],
          training_precision: 'float16',
        },
      ],
    });
    expect(await up.client.listBaseModels(CREDS)).toEqual([
      {
        id: 'm',
        organization: 'Meta',
        name: 'L',
        contextLength: 8192,
        supportedBatchSizes: [4, 8],
        trainingPrecision: 'float16',
      },
    ]);

    expectCall('GET', `${ORG_PATH}/files/file-1`, 200, {
      id: 'file-1',
      name: 'qa.csv',
      bytes: 120,
      created_at: '2026-01-14T14:57:45.1Z',
      workspace_id: 'demo-org',
      columns: [{ name: 'question', type: 'string', values: ['a', 1, null] }],
    });
    expect((await up.client.getFile(CREDS, 'file-1')).columns).toEqual([
      { name: 'question', type: 'string', values: ['a', '1', null] },
    ]);

    expectCall('GET', `${ORG_PATH}/datasets`, 200, { data: [wireDataset()] });
    expect((await up.client.listDatasets(CREDS)).map((d) => d.id)).toEqual(['ds-1']);
    expectCall('GET', `${ORG_PATH}/datasets/ds-1`, 200, wireDataset());
    expect((await up.client.getDataset(CREDS, 'ds-1')).validationFileId).toBeNull();
    expectCall('DELETE', `${ORG_PATH}/datasets/ds-1`, 204, '');
    await expect(up.client.deleteDataset(CREDS, 'ds-1')).resolves.toBeUndefined();

    expectCall('GET', `${ORG_PATH}/jobs/job-1/metrics`, 200, {
      data: [
        { step: 10, timestamp: '2026-01-14T14:57:45.376538Z', training_loss: '1.234' },
        {
          step: 20,
          timestamp: '2026-01-14T14:58:45Z',
          training_loss: '0.9',
          validation_loss: '1.301',
          perplexity: 'NaN',
        },
      ],
      training_steps: 120,
      training_tokens: 491520,
      validation_steps: 3,
    });
    const metrics = await up.client.getMetrics(CREDS, 'job-1');
    expect(metrics.points.map((p) => [p.step, p.trainingLoss, p.validationLoss, p.perplexity])).toEqual([
      [10, 1.234, null, null],
      [20, 0.9, 1.301, null],
    ]);
    expect(metrics).toMatchObject({ trainingSteps: 120, trainingTokens: 491520, validationSteps: 3 });
  });

  it('cancelJob posts to /cancel and returns the job', async () => {
    const seen = expectCall('POST', `${ORG_PATH}/jobs/job-1/cancel`, 200, wireJob({ status: 'cancelled' }));
    expect((await up.client.cancelJob(CREDS, 'job-1')).status).toBe('cancelled');
    expect(seen[0]?.body).toBeUndefined();
  });
});

describe('answers that break the contract', () => {
  it('names the call and the path of the first bad field', async () => {
    expectCall('GET', `${ORG_PATH}/jobs`, 200, { data: [wireJob({ status: 'paused' })], total: 1 });
    const error = await rejectionOf(up.client.listJobs(CREDS));
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', status: 200, operation: 'GET /jobs' });
    expect((error as Error).message).toMatch(/^GET \/jobs: unexpected response at data\[0\]\.status: Invalid option/);
  });

  it('counts further problems', async () => {
    expectCall('GET', `${ORG_PATH}/jobs/job-1`, 200, wireJob({ name: 7, created_at: 'yesterday' }));
    const error = await rejectionOf(up.client.getJob(CREDS, 'job-1'));
    expect((error as Error).message).toMatch(/^GET \/jobs\/\{id\}: unexpected response at name: .* \(and 1 more\)$/);
  });

  it('a non-ISO timestamp is refused, not read as some date', async () => {
    expectCall('GET', `${ORG_PATH}/jobs/job-1`, 200, wireJob({ started_at: '5' }));
    expect(((await rejectionOf(up.client.getJob(CREDS, 'job-1'))) as Error).message).toContain(
      'at started_at: not an ISO-8601 timestamp: "5"',
    );
  });

  it('a body that is not JSON', async () => {
    expectCall('GET', `${ORG_PATH}/datasets`, 200, '<html>maintenance</html>');
    expect(await rejectionOf(up.client.listDatasets(CREDS))).toMatchObject({
      code: 'UPSTREAM_ERROR',
      message: 'GET /datasets: unexpected response: the body is not JSON (HTTP 200).',
    });
  });

  it('a body that is JSON but not an object', async () => {
    expectCall('GET', `${ORG_PATH}/base-models`, 200, '[]');
    expect(((await rejectionOf(up.client.listBaseModels(CREDS))) as Error).message).toMatch(
      /^GET \/base-models: unexpected response at \(root\): /,
    );
  });

  it('a response larger than maxResponseBytes', async () => {
    await up.close();
    up = mockUpstream({ maxResponseBytes: 100 });
    expectCall('GET', `${ORG_PATH}/datasets`, 200, { data: [wireDataset(), wireDataset()] });
    expect(await rejectionOf(up.client.listDatasets(CREDS))).toMatchObject({
      code: 'UPSTREAM_ERROR',
      message: 'GET /datasets: the response is larger than 100 bytes.',
    });
  });
});
