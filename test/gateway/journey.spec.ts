/**
 * A new user's whole journey over HTTP, on the gateway as `npm start` runs it (embedded simulator,
 * no credentials): list the base models, upload a CSV, create a dataset, read a cost estimate,
 * create a job, watch it reach COMPLETED with metrics, and get its download URL.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startFromConfig, type RunningGateway } from '../../src/server/start.js';
import { QA_CSV, QWEN_SMALL } from '../harness/fixtures.js';
import { postGraphQL, uploadCsv } from '../harness/http-client.js';
import { eventually } from '../harness/stack.js';

let running: RunningGateway;
beforeAll(async () => {
  const config = loadConfig({
    PORT: '0',
    METRICS_PORT: '0',
    HOST: '127.0.0.1',
    SIMULATOR_JOB_SECONDS: '1.5',
    LOG_LEVEL: 'silent',
  });
  running = await startFromConfig(config, pino({ level: 'silent' }));
});
afterAll(() => running.close());

describe('a new user, with no account', () => {
  it('goes from base models to a downloadable adapter', async () => {
    const url = running.url;
    const models = await postGraphQL(url, '{ baseModels { id name } }');
    expect(models.errors).toBeUndefined();
    expect(models.data?.baseModels.map((m: any) => m.name)).toContain('Qwen2-1.5B-Instruct');

    const upload = await uploadCsv(url, 'qa.csv', QA_CSV);
    expect(upload.errors).toBeUndefined();
    const fileId = upload.data?.uploadFile.id as string;

    const dataset = await postGraphQL(
      url,
      'mutation($f: ID!) { createDataset(input: { name: "qa", trainingFileId: $f }) { id trainingFile { id } } }',
      { f: fileId },
    );
    expect(dataset.errors).toBeUndefined();
    const datasetId = dataset.data?.createDataset.id as string;
    expect(dataset.data?.createDataset.trainingFile.id).toBe(fileId);

    const input = {
      name: 'journey',
      baseModelId: QWEN_SMALL,
      dataset: { id: datasetId, promptColumn: 'question', answerColumn: 'answer' },
      hyperparameters: { nEpochs: 2, nEvals: 1, batchSize: 4 },
    };
    const estimate = await postGraphQL(
      url,
      'query($i: CreateJobInput!) { costEstimate(input: $i) { tokens cost currency minimumApplied } }',
      { i: input },
    );
    expect(estimate.errors).toBeUndefined();
    expect(estimate.data?.costEstimate).toMatchObject({ cost: 2, currency: 'USD', minimumApplied: true });
    expect(estimate.data?.costEstimate.tokens).toBeGreaterThan(0);

    const created = await postGraphQL(
      url,
      'mutation($i: CreateJobInput!) { createJob(input: $i) { id status baseModel { name } dataset { name } } }',
      { i: input },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data?.createJob).toMatchObject({
      status: 'QUEUED',
      baseModel: { name: 'Qwen2-1.5B-Instruct' },
      dataset: { name: 'qa' },
    });
    const jobId = created.data?.createJob.id as string;

    const done = await eventually(
      async () => {
        const res = await postGraphQL(
          url,
          'query($id: ID!) { job(id: $id) { status completedAt downloadUrl metrics { points { step trainingLoss } latest { step } bestValidationLoss trainingSteps } } }',
          { id: jobId },
        );
        expect(res.errors).toBeUndefined();
        return res.data?.job.status === 'COMPLETED' ? res.data.job : undefined;
      },
      15_000,
      'the job to complete',
    );

    expect(done.completedAt).toEqual(expect.any(String));
    expect(done.metrics.points.length).toBeGreaterThan(0);
    expect(done.metrics.latest.step).toBe(done.metrics.trainingSteps);
    expect(done.metrics.points.every((p: any) => typeof p.trainingLoss === 'number')).toBe(true);
    expect(done.metrics.bestValidationLoss).toEqual(expect.any(Number));

    const archive = await fetch(done.downloadUrl);
    expect(archive.status).toBe(200);
    const bytes = new Uint8Array(await archive.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]); // gzip
  });

  it('serves GraphiQL without any CDN', async () => {
    const page = await fetch(`${running.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Fine-tuning gateway');
    expect(html).not.toMatch(/<script[^>]+src="https?:\/\//);
    expect(html).not.toMatch(/<link[^>]+href="https?:\/\//);
  });

  it('answers health and readiness', async () => {
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
  });
});
