import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatRows, LLAMA_8B, sdkTenant, type SdkWorld, type TogetherClient } from './sdk-harness.js';
import { safetensorsHeader, untar } from './untar.js';

let world: SdkWorld;
let api: TogetherClient;
let train: string;
let validation: string;
beforeAll(async () => {
  ({ world, api, train, validation } = await sdkTenant('lifecycle-token', {
    train: ['lifecycle-train.jsonl', chatRows(64)],
    validation: ['lifecycle-validation.jsonl', chatRows(8, ' again')],
  }));
});

const balance = async (): Promise<number> => {
  const estimate = await api.fineTuning.estimatePrice({ training_file: train, model: LLAMA_8B });
  if (!estimate.estimation_available) throw new Error('estimate unavailable');
  return estimate.user_limit!;
};

async function openArchive(response: Response): Promise<Map<string, Buffer>> {
  expect(response.headers.get('content-type')).toBe('application/octet-stream');
  return untar(gunzipSync(Buffer.from(await response.arrayBuffer())));
}

describe('a job followed to completed with the SDK alone', () => {
  it('walks pending → queued → running → compressing → uploading → completed, metrics growing step by step, and is charged once', async () => {
    const before = await balance();
    const job = await api.fineTuning.create({
      model: LLAMA_8B,
      training_file: train,
      validation_file: validation,
      n_epochs: 2,
      n_evals: 4,
      n_checkpoints: 2,
      batch_size: 8,
      training_type: { type: 'Lora', lora_r: 4, lora_alpha: 8, lora_trainable_modules: 'q_proj,v_proj' },
    });
    const statuses: string[] = [];
    const counts: number[] = [];
    for (let tick = 0; tick <= 40; tick++) {
      const seen = await api.fineTuning.retrieve(job.id);
      if (statuses.at(-1) !== seen.status) statuses.push(seen.status);
      counts.push((await api.fineTuning.listMetrics(job.id)).metrics?.length ?? 0);
      world.advance(world.jobSeconds / 40);
    }
    expect(statuses).toEqual(['pending', 'queued', 'running', 'compressing', 'uploading', 'completed']);
    const growing = counts.filter((c, i) => i > 0 && c > counts[i - 1]!).length;
    expect(growing).toBeGreaterThan(5);
    expect(counts.every((c, i) => i === 0 || c >= counts[i - 1]!)).toBe(true);

    const done = await api.fineTuning.retrieve(job.id);
    const metrics = (await api.fineTuning.listMetrics(job.id)).metrics!;
    expect(metrics.map((m) => m['global_step'])).toEqual(Array.from({ length: metrics.length }, (_, i) => i + 1));
    expect(metrics.filter((m) => m['eval_loss'] !== undefined)).toHaveLength(4);
    expect(metrics.at(-1)!['train_loss']).toBeLessThan(metrics[0]!['train_loss']!);
    expect(done).toMatchObject({
      status: 'completed',
      epochs_completed: 2,
      eval_steps: 4,
      model_output_path: expect.stringContaining(done.model_output_name!),
    });
    const types = done.events!.map((e) => e.type);
    expect(types.filter((t) => t === 'epoch_complete')).toHaveLength(2);
    expect(types.filter((t) => t === 'checkpoint_save')).toHaveLength(1);
    expect(types.at(-1)).toBe('job_complete');
    // total_price is an integer of nanodollars (the spec's integer; the Python SDK's price / 1e9);
    // the estimate's user_limit is in dollars.
    expect(Number.isInteger(done.total_price)).toBe(true);
    expect(done.total_price).toBeGreaterThan(0);
    expect(await balance()).toBeCloseTo(before - done.total_price! / 1e9, 6);
  });

  it('downloads the adapter, the merged model and an intermediate checkpoint, and opens them', async () => {
    const [job] = (await api.fineTuning.list()).data;
    const checkpoints = (await api.fineTuning.listCheckpoints(job!.id)).data;
    expect(checkpoints.map((c) => c.checkpoint_type.split(' ')[0])).toEqual(['Final', 'Intermediate']);

    const adapter = await openArchive(await api.fineTuning.content({ ft_id: job!.id, checkpoint: 'adapter' }));
    expect([...adapter.keys()].sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const config = JSON.parse(adapter.get('adapter_config.json')!.toString('utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({
      peft_type: 'LORA',
      base_model_name_or_path: LLAMA_8B,
      r: 4,
      lora_alpha: 8,
      target_modules: ['q_proj', 'v_proj'],
    });
    const header = safetensorsHeader(adapter.get('adapter_model.safetensors')!);
    expect(header['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight']).toMatchObject({
      dtype: 'F32',
      shape: [4, 16],
    });

    const merged = await openArchive(await api.fineTuning.content({ ft_id: job!.id, checkpoint: 'merged' }));
    expect([...merged.keys()].sort()).toEqual(['config.json', 'model.safetensors']);

    const step = checkpoints[1]!.step;
    const intermediate = await openArchive(await api.fineTuning.content({ ft_id: job!.id, checkpoint_step: step }));
    expect(safetensorsHeader(intermediate.get('adapter_model.safetensors')!)['__metadata__']).toMatchObject({
      step: String(step),
    });
    await expect(api.fineTuning.content({ ft_id: job!.id, checkpoint_step: step + 1 })).rejects.toBeInstanceOf(
      world.Together.BadRequestError,
    );
  });

  it('filters metrics by step and time, and samples them down to a resolution', async () => {
    const [job] = (await api.fineTuning.list()).data;
    const all = (await api.fineTuning.listMetrics(job!.id)).metrics!;
    const window = await api.fineTuning.listMetrics(job!.id, { global_step_from: 3, global_step_to: 6 });
    expect(window.metrics!.map((m) => m['global_step'])).toEqual([3, 4, 5, 6]);
    const fifth = all[4]!['logged_at']!;
    const after = await api.fineTuning.listMetrics(job!.id, { logged_at_from: new Date(fifth * 1000).toISOString() });
    expect(after.metrics![0]!['global_step']).toBe(5);
    const sampled = (await api.fineTuning.listMetrics(job!.id, { resolution: 4 })).metrics!;
    expect(sampled.map((m) => m['global_step'])).toEqual([
      1,
      Math.round(1 + (all.length - 1) / 3),
      Math.round(1 + (2 * (all.length - 1)) / 3),
      all.length,
    ]);
  });

  it('continues from the completed job with from_checkpoint, and stops early when validation loss stops improving', async () => {
    const [first] = (await api.fineTuning.list()).data;
    const continued = await api.fineTuning.create({
      model: LLAMA_8B,
      training_file: train,
      from_checkpoint: first!.id,
    });
    expect(continued.from_checkpoint).toBe(first!.id);

    const job = await api.fineTuning.create({
      model: LLAMA_8B,
      training_file: train,
      validation_file: validation,
      n_epochs: 4,
      n_evals: 10,
      early_stopping_enabled: true,
      early_stopping_patience: 2,
      early_stopping_warmup_evals: 1,
      // No evaluation can beat the best by a whole unit of loss: every one after the warm-up counts
      // toward patience, so training halts at the third evaluation, whatever the job's loss curve.
      early_stopping_min_delta: 1,
    });
    world.advance(world.jobSeconds);
    const done = await api.fineTuning.retrieve(job.id);
    expect(done).toMatchObject({ status: 'completed', early_stopped: true });
    const stop = done.events!.find((e) => e.type === 'early_stopped');
    expect(stop?.early_stopping_best_step).toBe(done.early_stopping_best_step);
    const metrics = (await api.fineTuning.listMetrics(job.id)).metrics!;
    expect(metrics.at(-1)!['global_step']).toBe(stop?.step);
    // 10 evaluations spread over 12 steps, at steps 1, 2, 4, …: 64 rows at the "max" batch of 32 make 2 steps
    // an epoch, raised to 3 so that the 4 epochs take at least 10 steps (each epoch a whole number of them).
    expect(stop!.step).toBe(4);
  });
});
