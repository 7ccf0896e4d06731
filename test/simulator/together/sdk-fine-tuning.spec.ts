import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  chatRows,
  dataFile,
  LLAMA_8B,
  preferenceRows,
  sdkTenant,
  sdkUpload,
  type SdkWorld,
  type TogetherClient,
} from './sdk-harness.js';
import { untar } from './untar.js';

let world: SdkWorld;
let api: TogetherClient;
let train: string;
let validation: string;
beforeAll(async () => {
  ({ world, api, train, validation } = await sdkTenant('conformance-token', {
    train: ['conformance-train.jsonl', chatRows(48)],
    validation: ['conformance-validation.jsonl', chatRows(6, ' (held out)')],
  }));
});

describe('the catalogue through the SDK', () => {
  it('lists the fine-tunable models with models.list, Llama, Qwen, Mistral, Gemma and DeepSeek among them', async () => {
    const models = await api.models.list();
    const ids = models.map((m) => m.id);
    for (const family of ['meta-llama/', 'Qwen/', 'mistralai/', 'google/gemma', 'deepseek-ai/'])
      expect(
        ids.some((id) => id.startsWith(family)),
        family,
      ).toBe(true);
    for (const model of models) {
      expect(model).toMatchObject({ object: 'model', type: 'chat' });
      expect(model.context_length).toBeGreaterThan(0);
      expect(model.pricing?.finetune).toBeGreaterThan(0);
    }
  });

  it("reports a model's limits with modelLimits, batch-size ranges included, and 404 for a model it does not tune", async () => {
    const limits = await api.fineTuning.modelLimits({ model_name: LLAMA_8B });
    expect(limits).toMatchObject({
      model_name: LLAMA_8B,
      supports_full_training: true,
      lora_training: { min_batch_size: 8, max_batch_size: 32, max_batch_size_dpo: 16 },
    });
    expect(limits.full_training?.max_batch_size).toBeGreaterThanOrEqual(
      limits.full_training?.min_batch_size ?? Infinity,
    );
    expect(
      (await api.fineTuning.modelLimits({ model_name: 'meta-llama/Llama-3.3-70B-Instruct-Reference' }))
        .supports_full_training,
    ).toBe(false);
    await expect(api.fineTuning.modelLimits({ model_name: 'acme/NotAModel-7B' })).rejects.toBeInstanceOf(
      world.Together.NotFoundError,
    );
  });
});

describe('before a job: estimatePrice and preview', () => {
  it('estimates tokens and price by the billing rule, allowed within the balance', async () => {
    const one = await api.fineTuning.estimatePrice({ training_file: train, model: LLAMA_8B, n_epochs: 1 });
    const three = await api.fineTuning.estimatePrice({
      training_file: train,
      validation_file: validation,
      model: LLAMA_8B,
      n_epochs: 3,
      n_evals: 2,
    });
    if (!one.estimation_available || !three.estimation_available) throw new Error('estimate unavailable');
    expect(one.estimated_train_token_count).toBeGreaterThan(48 * 10);
    expect(three.estimated_train_token_count).toBe(3 * one.estimated_train_token_count!);
    expect(three.estimated_eval_token_count).toBeGreaterThan(0);
    // $0.48 per million tokens for LoRA SFT of a model up to 16B.
    const tokens = three.estimated_train_token_count! + three.estimated_eval_token_count!;
    expect(three.estimated_total_price).toBeCloseTo((tokens * 0.48) / 1e6, 6);
    expect(three).toMatchObject({ allowed_to_proceed: true, user_limit: expect.any(Number) });
  });

  it('previews the first rows tokenized, prompts masked with -100 unless train_on_inputs', async () => {
    const preview = await api.fineTuning.preview({ model: LLAMA_8B, training_file: train, top_k: 2 });
    expect(preview).toMatchObject({ model: LLAMA_8B, dataset_format: 'conversation', train_on_inputs: false });
    expect(preview.rows).toHaveLength(2);
    const [row] = preview.rows;
    expect(row!.input_ids).toHaveLength(row!.num_tokens);
    expect(row!.tokens.join('')).toBe('What is question 0?The answer to question 0 is forty two.');
    expect(row!.labels.slice(0, 5)).toEqual([-100, -100, -100, -100, -100]);
    expect(row!.num_trained_tokens).toBe(row!.labels.filter((l) => l !== -100).length);
    expect(row!.trained_spans).toEqual([[row!.num_tokens - row!.num_trained_tokens, row!.num_tokens]]);
    const unmasked = await api.fineTuning.preview({
      model: LLAMA_8B,
      training_file: train,
      top_k: 1,
      train_on_inputs: true,
    });
    expect(unmasked.rows[0]!.num_trained_tokens).toBe(unmasked.rows[0]!.num_tokens);
  });
});

describe('a job through the SDK', () => {
  it('creates a job with the full parameter set and reads it back with retrieve and list', async () => {
    const created = await api.fineTuning.create({
      model: LLAMA_8B,
      training_file: train,
      validation_file: validation,
      n_epochs: 2,
      n_checkpoints: 2,
      n_evals: 4,
      batch_size: 8,
      learning_rate: 0.0002,
      lr_scheduler: { lr_scheduler_type: 'cosine', lr_scheduler_args: { min_lr_ratio: 0.1, num_cycles: 0.5 } },
      warmup_ratio: 0.1,
      max_grad_norm: 0.5,
      weight_decay: 0.01,
      suffix: 'conformance',
      training_type: {
        type: 'Lora',
        lora_r: 16,
        lora_alpha: 32,
        lora_dropout: 0.05,
        lora_trainable_modules: 'q_proj,v_proj',
      },
      training_method: { method: 'sft', train_on_inputs: false },
      wandb_api_key: 'wandb-key',
      wandb_project_name: 'sim',
      wandb_name: 'run-1',
      hf_output_repo_name: 'someone/my-adapter',
      hf_api_token: 'hf_token',
      random_seed: 7,
    });
    expect(created).toMatchObject({
      status: 'pending',
      model: LLAMA_8B,
      training_file: train,
      validation_file: validation,
      n_epochs: 2,
      n_evals: 4,
      batch_size: 8,
      suffix: 'conformance',
      random_seed: 7,
      training_type: {
        type: 'Lora',
        lora_r: 16,
        lora_alpha: 32,
        lora_dropout: 0.05,
        lora_trainable_modules: 'q_proj,v_proj',
      },
      lr_scheduler: { lr_scheduler_type: 'cosine' },
      wandb_name: 'run-1',
    });
    expect(created.id).toMatch(/^ft-/);
    expect(created.model_output_name).toContain('conformance');

    const full = await api.fineTuning.retrieve(created.id);
    expect(full).toMatchObject({
      id: created.id,
      job_id: created.id,
      status: 'pending',
      wandb_url: expect.stringContaining('/sim/runs/'),
    });
    expect(full.events?.map((e) => e.type)).toEqual(['job_pending']);
    expect((await api.fineTuning.list()).data.map((j) => j.id)).toContain(created.id);
  });

  it('trains DPO on preference rows, with "max" batch size resolving to the DPO maximum', async () => {
    const prefs = (await sdkUpload(api, dataFile('prefs.jsonl', preferenceRows(16)))).id;
    const job = await api.fineTuning.create({
      model: LLAMA_8B,
      training_file: prefs,
      training_method: { method: 'dpo', dpo_beta: 0.2 },
      batch_size: 'max',
    });
    expect(job).toMatchObject({ batch_size: 16, training_method: { method: 'dpo', dpo_beta: 0.2 } });
    const wrong = api.fineTuning.create({ model: LLAMA_8B, training_file: train, training_method: { method: 'dpo' } });
    await expect(wrong).rejects.toMatchObject({ status: 400, error: { error: { param: 'training_file' } } });
  });

  it('cancels (cancel_requested, then cancelled), lists events, checkpoints and metrics, and deletes', async () => {
    const job = await api.fineTuning.create({ model: LLAMA_8B, training_file: train, n_checkpoints: 4 });
    world.advance(world.jobSeconds * 0.5);
    expect((await api.fineTuning.listMetrics(job.id)).metrics?.length).toBeGreaterThan(0);
    expect((await api.fineTuning.listCheckpoints(job.id)).data.length).toBeGreaterThan(0);
    expect((await api.fineTuning.cancel(job.id)).status).toBe('cancel_requested');
    await expect(api.fineTuning.delete(job.id)).rejects.toBeInstanceOf(world.Together.BadRequestError);
    world.advance(world.jobSeconds * 0.05);
    expect((await api.fineTuning.retrieve(job.id)).status).toBe('cancelled');
    const types = (await api.fineTuning.listEvents(job.id)).data.map((e) => e.type);
    expect(types.slice(-2)).toEqual(['cancel_requested', 'job_stopped']);
    expect(types).not.toContain('job_complete');
    await expect(api.fineTuning.cancel(job.id)).rejects.toBeInstanceOf(world.Together.BadRequestError);
    expect(await api.fineTuning.delete(job.id)).toEqual({ message: expect.stringContaining(job.id) });
    await expect(api.fineTuning.retrieve(job.id)).rejects.toBeInstanceOf(world.Together.NotFoundError);
  });

  it('downloads the tokenized dataset from the link retrieveTokenizedDataset returns, once training began', async () => {
    const job = await api.fineTuning.create({ model: LLAMA_8B, training_file: train });
    await expect(api.fineTuning.retrieveTokenizedDataset(job.id)).rejects.toBeInstanceOf(
      world.Together.BadRequestError,
    );
    world.advance(world.jobSeconds * 0.2);
    const link = await api.fineTuning.retrieveTokenizedDataset(job.id);
    expect(link).toMatchObject({ content_type: 'application/gzip', filename: `${job.id}-tokenized-dataset.tar.gz` });
    const archive = Buffer.from(await (await fetch(link.url)).arrayBuffer());
    expect(archive.length).toBe(link.size);
    const rows = (await untar(gunzipSync(archive))).get('train.jsonl')!.toString('utf8').trim().split('\n');
    expect(rows).toHaveLength(48);
    const first = JSON.parse(rows[0]!) as { input_ids: number[]; labels: number[] };
    expect(first.labels).toHaveLength(first.input_ids.length);
  });
});
