/**
 * A fine-tune as the API sends it: the full `FinetuneResponse` (`GET /fine-tunes/{id}`) and the
 * truncated one (`POST /fine-tunes`, `GET /fine-tunes`, cancel). Each is declared to satisfy the SDK's
 * type, so `tsc` fails the day the simulator and the SDK drift apart.
 */
import type { FineTuningCreateResponse, FinetuneResponse } from 'together-ai/resources/fine-tuning';
import { formatTimestamp } from '../timestamps.js';
import { eventsAt } from './job-events.js';
import { jobStateAt, type JobState } from './job-lifecycle.js';
import { toNanodollars } from './pricing.js';
import type { StoredJob } from './store.js';

/** `<user>/<model>-<suffix>-<id part>`, the name the trained model is registered under. */
export function outputName(job: StoredJob): string {
  const model = job.settings.model.name.split('/').pop() ?? job.settings.model.name;
  const suffix = job.settings.body.suffix === undefined ? '' : `-${job.settings.body.suffix}`;
  return `${job.userId}/${model}${suffix}-${job.id.slice(3, 11)}`;
}

export function wandbUrl(job: StoredJob): string | undefined {
  const { wandb_api_key, wandb_base_url, wandb_project_name } = job.settings.body;
  if (wandb_api_key === undefined) return undefined;
  return `${(wandb_base_url ?? 'https://wandb.ai').replace(/\/$/, '')}/${wandb_project_name ?? 'together'}/runs/${job.id}`;
}

function updatedAt(job: StoredJob, now: number): string {
  return eventsAt(job, now).at(-1)?.created_at ?? formatTimestamp(job.createdAt);
}

/** When each status with an estimate gives way to the next one (ours: the simulator knows its timeline). */
const NEXT_STATUS_AT: Partial<Record<JobState['status'], (t: JobState['timeline']) => number>> = {
  running: (t) => t.runningUntil,
  compressing: (t) => t.compressingUntil,
  uploading: (t) => t.completedAt,
};

/**
 * The SDK's `Progress`: "Estimated time remaining in seconds for the fine-tuning job to next state"
 * [sdk]. The simulator estimates it once the job is on a worker (running, compressing, uploading);
 * the wait in the queue, a cancel and an ended job have no estimate (ours).
 */
function progress(state: JobState, now: number): { estimate_available: boolean; seconds_remaining: number } {
  const next = NEXT_STATUS_AT[state.status];
  if (next === undefined) return { estimate_available: false, seconds_remaining: 0 };
  return { estimate_available: true, seconds_remaining: Math.max(0, Math.round((next(state.timeline) - now) / 1000)) };
}

/** The fields the full and truncated shapes share. */
function common(job: StoredJob, now: number, state: JobState) {
  const { settings } = job;
  const { body } = settings;
  return {
    id: job.id,
    status: state.status,
    user_id: job.userId,
    created_at: formatTimestamp(job.createdAt),
    updated_at: updatedAt(job, now),
    model: settings.model.name,
    model_output_name: outputName(job),
    training_file: settings.trainingFile.id,
    ...(settings.validationFile !== null && { validation_file: settings.validationFile.id }),
    n_epochs: body.n_epochs,
    n_checkpoints: body.n_checkpoints,
    n_evals: body.n_evals,
    batch_size: settings.batchSize,
    learning_rate: body.learning_rate,
    lr_scheduler: body.lr_scheduler ?? { lr_scheduler_type: 'linear' as const, lr_scheduler_args: { min_lr_ratio: 0 } },
    warmup_ratio: body.warmup_ratio,
    max_grad_norm: body.max_grad_norm,
    weight_decay: body.weight_decay,
    training_method: settings.method,
    training_type: settings.lora === null ? { type: 'Full' as const } : { type: 'Lora' as const, ...settings.lora },
    token_count: job.plan.trainingTokens * body.n_epochs,
    // Nanodollars, an integer (pricing.ts): the job's price is kept in USD to the micro-dollar.
    total_price: toNanodollars(job.plan.price.total),
    progress: progress(state, now),
    ...(state.startedAt !== null && { started_at: formatTimestamp(state.startedAt) }),
    ...(settings.fromCheckpoint !== null && { from_checkpoint: settings.fromCheckpoint }),
    ...(body.from_hf_model !== undefined && { from_hf_model: body.from_hf_model }),
    ...(body.hf_model_revision !== undefined && { hf_model_revision: body.hf_model_revision }),
    ...(body.wandb_project_name !== undefined && { wandb_project_name: body.wandb_project_name }),
    ...(job.plan.earlyStop !== null &&
      state.status === 'completed' && {
        early_stopped: true,
        early_stopping_best_step: job.plan.earlyStop.bestStep,
        early_stopping_best_metric: job.plan.earlyStop.bestLoss,
      }),
  } satisfies Partial<FinetuneResponse> & Partial<FineTuningCreateResponse>;
}

export function wireJob(job: StoredJob, now: number) {
  const state = jobStateAt(job, now);
  const body = {
    ...common(job, now, state),
    job_id: job.id,
    events: eventsAt(job, now),
    epochs_completed: Math.min(job.settings.body.n_epochs, Math.floor(state.stepsDone / job.plan.stepsPerEpoch)),
    eval_steps: job.plan.evalSteps.length,
    trainingfile_numlines: job.plan.trainingRows,
    trainingfile_size: job.settings.trainingFile.content?.length ?? 0,
    train_on_inputs: job.settings.method.method === 'sft' ? job.settings.method.train_on_inputs : false,
    param_count: Math.round(job.settings.model.paramsBillions * 1e9),
    queue_depth: state.status === 'queued' ? 1 : 0,
    ...(state.status === 'completed' && { model_output_path: `s3://together-simulator/${outputName(job)}` }),
    ...(wandbUrl(job) !== undefined && { wandb_url: wandbUrl(job) }),
  } satisfies FinetuneResponse;
  return body;
}

export function wireJobTruncated(job: StoredJob, now: number) {
  const state = jobStateAt(job, now);
  const { body } = job.settings;
  const truncated = {
    ...common(job, now, state),
    owner_address: `${job.userId}@simulator.invalid`,
    packing: body.packing,
    max_seq_length: job.settings.maxSeqLength,
    random_seed: body.random_seed ?? null,
    ...(body.suffix !== undefined && { suffix: body.suffix }),
    ...(body.wandb_name !== undefined && { wandb_name: body.wandb_name }),
  } satisfies FineTuningCreateResponse;
  return truncated;
}
