import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSchema } from '../../src/upstream/schemas.js';
import {
  caller,
  createDataset,
  fakeClock,
  jobBody,
  readAnswer,
  startSimulator,
  type Caller,
  type Simulator,
} from './harness.js';

const clock = fakeClock();
let sim: Simulator;
let api: Caller;
let completed: string;
let datasetId: string;
beforeAll(async () => {
  sim = await startSimulator({ jobSeconds: 100, now: clock.now, downloadUrlTtlSeconds: 300 });
  api = caller(sim);
  const ds = await createDataset(api);
  datasetId = ds;
  const body = jobBody(ds, {
    hyperparameters: { lora: { r: 4, alpha: 16, dropout: 0.05, trainable_modules: ['q_proj', 'v_proj'] } },
  });
  completed = (await api.call('POST', '/jobs', body)).body.job.id;
  clock.advance(100);
});

/** A job created now: still queued, as the clock only moves when a test moves it. */
const queuedJob = async (): Promise<string> => (await api.call('POST', '/jobs', jobBody(datasetId))).body.job.id;
afterAll(() => sim.close());

async function untar(archive: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  Readable.from([gunzipSync(archive)]).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
    files.set(entry.header.name, Buffer.concat(chunks));
  }
  return files;
}

describe('GET /jobs/{id}/download', () => {
  it('redirects (302) to a short-lived URL serving the adapter as .tar.gz', async () => {
    const res = await api.call('GET', `/jobs/${completed}/download`);
    expect(res.status).toBe(302);
    const url = res.headers.get('location');
    expect(url).toMatch(new RegExp(`^${sim.origin}/__downloads/[\\w-]{20,}$`));
    expect(res.body).toEqual({ download_url: url });

    const file = await fetch(url!);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/gzip');
    const files = await untar(Buffer.from(await file.arrayBuffer()));
    expect([...files.keys()]).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    expect(JSON.parse(files.get('adapter_config.json')!.toString())).toMatchObject({
      peft_type: 'LORA',
      base_model_name_or_path: 'Mistral-7B-Instruct-v0.2',
      r: 4,
      lora_alpha: 16,
      lora_dropout: 0.05,
      target_modules: ['q_proj', 'v_proj'],
    });
    const weights = files.get('adapter_model.safetensors')!;
    const headerLength = Number(weights.readBigUInt64LE(0));
    const header = JSON.parse(weights.subarray(8, 8 + headerLength).toString());
    expect(header['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight']).toMatchObject({
      dtype: 'F32',
      shape: [4, 16],
    });
    expect(weights.length).toBe(8 + headerLength + 2 * 4 * 16 * 4);
  });

  it('expires the link after its lifetime (410), and 404s a token never issued', async () => {
    const url = (await api.call('GET', `/jobs/${completed}/download`)).headers.get('location')!;
    clock.advance(299);
    expect((await fetch(url)).status).toBe(200);
    clock.advance(1);
    const expired = await readAnswer(await fetch(url));
    expect(expired.status).toBe(410);
    expect(expired.body.message).toMatch(/expired/);
    expect((await fetch(`${sim.origin}/__downloads/made-up`)).status).toBe(404);
  });

  it('answers 409 unless the job is completed, 404 for an unknown job', async () => {
    const res = await api.call('GET', `/jobs/${await queuedJob()}/download`);
    expect(res).toMatchObject({ status: 409, body: { code: 'failed_precondition' } });
    expect(res.body.message).toMatch(/can be downloaded once the job is completed/);
    expect((await api.call('GET', '/jobs/job-none/download')).status).toBe(404);
  });
});

describe('POST /jobs/{id}/exports/hugging-face', () => {
  const TOKEN = `hf_${'a1B2'.repeat(9)}`;
  const body = (o: Record<string, unknown> = {}) => ({
    huggingface_user_id: 'alice',
    huggingface_access_token: TOKEN,
    huggingface_repository_id: 'alice/my-model.v1',
    ...o,
  });

  it('accepts an export of a completed job with 202, never echoing the token', async () => {
    const res = await api.call('POST', `/jobs/${completed}/exports/hugging-face`, body());
    expect(res.status).toBe(202);
    expect(exportSchema.parse(res.body)).toMatchObject({
      jobId: completed,
      repositoryId: 'alice/my-model.v1',
      status: 'queued',
    });
    expect(Object.keys(res.body).sort()).toEqual(['created_at', 'huggingface_repository_id', 'id', 'job_id', 'status']);
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });

  it.each([
    [
      { huggingface_repository_id: 'no-slash' },
      /^huggingface_repository_id: "no-slash" is not a repository id of the form "user\/repo"/,
    ],
    [{ huggingface_repository_id: 'a/b/c' }, /^huggingface_repository_id:/],
    [{ huggingface_repository_id: 'alice/bad--name' }, /^huggingface_repository_id:/],
    [{ huggingface_repository_id: 'alice/-dash' }, /^huggingface_repository_id:/],
    [{ huggingface_repository_id: 'alice/model.git' }, /^huggingface_repository_id:/],
    [{ huggingface_repository_id: `alice/${'x'.repeat(97)}` }, /^huggingface_repository_id:/],
    [{ huggingface_user_id: 'bad user' }, /^huggingface_user_id: "bad user" is not a Hugging Face user name/],
    [{ huggingface_user_id: undefined }, /^huggingface_user_id: required/],
    [{ huggingface_access_token: 'hf_short' }, /^huggingface_access_token: not a Hugging Face access token/],
    [
      { huggingface_access_token: `xx_${'a'.repeat(40)}` },
      /^huggingface_access_token: not a Hugging Face access token/,
    ],
  ])('refuses %j with 400', async (override, message) => {
    const res = await api.call('POST', `/jobs/${completed}/exports/hugging-face`, body(override));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
    expect(JSON.stringify(res.body)).not.toContain('hf_short');
  });

  it('answers 409 for a job that is not completed, 404 for an unknown job', async () => {
    const res = await api.call('POST', `/jobs/${await queuedJob()}/exports/hugging-face`, body());
    expect(res).toMatchObject({ status: 409, body: { code: 'failed_precondition' } });
    expect((await api.call('POST', '/jobs/job-none/exports/hugging-face', body())).status).toBe(404);
  });
});
