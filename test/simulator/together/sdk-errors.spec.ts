import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  chatRows,
  client,
  dataFile,
  LLAMA_8B,
  sdkTenant,
  sdkUpload,
  type SdkWorld,
  type TogetherClient,
} from './sdk-harness.js';

let world: SdkWorld;
let api: TogetherClient;
let train: string;
beforeAll(async () => {
  ({ world, api, train } = await sdkTenant('errors-token', { train: ['errors-train.jsonl', chatRows(16)] }));
});
afterEach(() => world.sim.setFaults({}));

describe("Together's errors, as the SDK's typed error classes", () => {
  it('401 AuthenticationError for a key that is no tenant’s, with the invalid_api_key code', async () => {
    const stranger = client(world, 'not-a-key');
    const attempt = stranger.fineTuning.list();
    await expect(attempt).rejects.toBeInstanceOf(world.Together.AuthenticationError);
    await expect(attempt).rejects.toMatchObject({
      status: 401,
      error: { error: { type: 'authentication_error', code: 'invalid_api_key' } },
    });
    await expect(stranger.files.list()).rejects.toBeInstanceOf(world.Together.AuthenticationError);
  });

  it("404 NotFoundError for another tenant's job, on every job route", async () => {
    const job = await api.fineTuning.create({ model: LLAMA_8B, training_file: train });
    const other = client(world, 'errors-other-token');
    const NotFound = world.Together.NotFoundError;
    await expect(other.fineTuning.retrieve(job.id)).rejects.toBeInstanceOf(NotFound);
    await expect(other.fineTuning.cancel(job.id)).rejects.toBeInstanceOf(NotFound);
    await expect(other.fineTuning.listEvents(job.id)).rejects.toBeInstanceOf(NotFound);
    await expect(other.fineTuning.listMetrics(job.id)).rejects.toBeInstanceOf(NotFound);
    await expect(other.fineTuning.content({ ft_id: job.id, checkpoint: 'adapter' })).rejects.toBeInstanceOf(NotFound);
    expect((await other.fineTuning.list()).data).toEqual([]);
    expect((await api.fineTuning.retrieve(job.id)).status).toBe('pending');
  });

  it('400 BadRequestError for an unknown model, naming the parameter', async () => {
    const attempt = api.fineTuning.create({ model: 'acme/NotAModel-7B', training_file: train });
    await expect(attempt).rejects.toBeInstanceOf(world.Together.BadRequestError);
    await expect(attempt).rejects.toMatchObject({
      error: {
        error: { type: 'invalid_request_error', param: 'model', message: expect.stringContaining('acme/NotAModel-7B') },
      },
    });
  });

  it("400 for a batch size outside the model's range, saying the range", async () => {
    const attempt = api.fineTuning.create({ model: LLAMA_8B, training_file: train, batch_size: 64 });
    await expect(attempt).rejects.toBeInstanceOf(world.Together.BadRequestError);
    await expect(attempt).rejects.toMatchObject({
      error: { error: { param: 'batch_size', message: expect.stringContaining('8 to 32') } },
    });
    const full = api.fineTuning.create({
      model: 'meta-llama/Llama-3.3-70B-Instruct-Reference',
      training_file: train,
      training_type: { type: 'Full' },
    });
    await expect(full).rejects.toMatchObject({ status: 400, error: { error: { param: 'training_type' } } });
  });

  it('400 for the other rules of the parameters', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ n_epochs: 0 }, 'n_epochs'],
      [{ learning_rate: 5 }, 'learning_rate'],
      [{ n_evals: 2 }, 'n_evals'],
      [{ training_type: { type: 'Lora', lora_r: 512, lora_alpha: 16 } }, 'training_type.lora_r'],
      [
        { training_type: { type: 'Lora', lora_r: 8, lora_alpha: 16, lora_trainable_modules: 'lm_head' } },
        'training_type.lora_trainable_modules',
      ],
      [{ hf_output_repo_name: 'me/repo' }, 'hf_api_token'],
      [{ suffix: 'x'.repeat(65) }, 'suffix'],
      [{ from_checkpoint: 'ft-unknown' }, 'from_checkpoint'],
      [{ training_file: 'file-unknown' }, 'training_file'],
    ];
    for (const [extra, param] of cases) {
      const attempt = api.fineTuning.create({ model: LLAMA_8B, training_file: train, ...extra } as Parameters<
        TogetherClient['fineTuning']['create']
      >[0]);
      await expect(attempt, param).rejects.toMatchObject({ status: 400, error: { error: { param } } });
    }
  });

  it('429 RateLimitError from fault injection, with Retry-After; the SDK retries it when allowed', async () => {
    world.sim.setFaults({ route: 'GET /fine-tunes', rateLimit: { count: 1, retryAfterSeconds: 0 } });
    const attempt = api.fineTuning.list();
    await expect(attempt).rejects.toBeInstanceOf(world.Together.RateLimitError);
    await expect(attempt).rejects.toMatchObject({ status: 429, error: { error: { type: 'rate_limit' } } });

    world.sim.setFaults({ route: 'GET /fine-tunes', rateLimit: { count: 1, retryAfterSeconds: 0 } });
    world.sim.resetStats();
    expect((await client(world, 'errors-token', 1).fineTuning.list()).data.length).toBeGreaterThan(0);
    expect(world.sim.stats()).toEqual({ 'GET /fine-tunes': 2 });
  });

  it('503 InternalServerError from fault injection on one route only', async () => {
    world.sim.setFaults({ route: '/files', error: { rate: 1 } });
    await expect(api.files.list()).rejects.toBeInstanceOf(world.Together.InternalServerError);
    await expect(api.files.list()).rejects.toMatchObject({
      status: 503,
      error: { error: { type: 'service_unavailable' } },
    });
    expect((await api.fineTuning.list()).data.length).toBeGreaterThan(0);
  });

  it('402 with the insufficient-balance message when the price exceeds the balance; the estimate says it may not proceed', async () => {
    const poor = client(world, 'poor-token');
    const file = (await sdkUpload(poor, dataFile('poor.jsonl', chatRows(16)))).id;
    const estimate = await poor.fineTuning.estimatePrice({ training_file: file, model: LLAMA_8B });
    expect(estimate).toMatchObject({ estimation_available: true, allowed_to_proceed: false, user_limit: 0.000001 });
    const attempt = poor.fineTuning.create({ model: LLAMA_8B, training_file: file });
    await expect(attempt).rejects.toBeInstanceOf(world.Together.APIError);
    await expect(attempt).rejects.toMatchObject({
      status: 402,
      error: {
        error: {
          type: 'credit_limit',
          code: 'insufficient_balance',
          message: expect.stringMatching(/^Insufficient balance/),
        },
      },
    });
    expect((await poor.fineTuning.list()).data).toEqual([]);
  });
});
