/**
 * A job's events at a moment, derived from its plan and timeline: created, started (model and data
 * downloads, W&B when configured), each epoch done, each checkpoint saved, each evaluation, early
 * stop, the compress and upload steps, then completion, or a cancel or an error. The SDK's closed
 * set of event types has none for an evaluation: the simulator reports one as an `info`-level
 * `warning` event whose message carries the validation loss (ours).
 *
 * Every event carries every field the spec's `FineTuneEvent` requires (`param_count`, `token_count`,
 * `total_steps`, `wandb_url`, `step`, `checkpoint_path`, `model_path`, `training_offset`, `hash`),
 * none of them nullable there. The values are the job's (ours for their choice): its parameters and
 * tokens, the steps of its schedule once training started (0 before: not yet known), its W&B run,
 * the steps done when the event happened, the checkpoint or model it names, and empty strings and
 * zero where an event has none of these.
 */
import type { FinetuneEvent } from 'together-ai/resources/fine-tuning';
import { formatTimestamp } from '../timestamps.js';
import { stepTime } from './job-checkpoints.js';
import { jobStateAt, stepsAt, timelineOf, type Timeline } from './job-lifecycle.js';
import { evalLoss } from './loss-curve.js';
import type { StoredJob } from './store.js';
import { outputName, wandbUrl } from './wire-job.js';

/** The SDK's type, with the two fields the spec requires and the SDK's type does not name. */
type WireEvent = FinetuneEvent & { training_offset: number; hash: string };
type Draft = Omit<FinetuneEvent, 'created_at' | 'object'> & { at: number };

function startEvents(job: StoredJob, t: Timeline): Draft[] {
  const at = t.runningFrom;
  const drafts: Draft[] = [
    { at, type: 'job_start', level: 'info', message: 'Job started' },
    { at, type: 'model_downloading', level: 'info', message: `Downloading model ${job.settings.model.name}` },
    { at, type: 'model_download_complete', level: 'info', message: 'Model downloaded' },
    {
      at,
      type: 'training_data_downloading',
      level: 'info',
      message: `Downloading training file ${job.settings.trainingFile.id}`,
    },
    { at, type: 'training_data_download_complete', level: 'info', message: 'Training data downloaded' },
  ];
  if (job.settings.validationFile !== null) {
    drafts.push({
      at,
      type: 'validation_data_downloading',
      level: 'info',
      message: `Downloading validation file ${job.settings.validationFile.id}`,
    });
    drafts.push({
      at,
      type: 'validation_data_download_complete',
      level: 'info',
      message: 'Validation data downloaded',
    });
  }
  const wandb = wandbUrl(job);
  if (wandb !== undefined)
    drafts.push({
      at,
      type: 'wandb_init',
      level: 'info',
      message: 'Weights & Biases run initialised',
      wandb_url: wandb,
    });
  drafts.push({
    at,
    type: 'training_start',
    level: 'info',
    message: 'Training started',
  });
  return drafts;
}

function trainingEvents(job: StoredJob, t: Timeline): Draft[] {
  const { plan } = job;
  const total = plan.trainedSteps;
  const drafts: Draft[] = [];
  for (let epoch = 1; epoch * plan.stepsPerEpoch <= total; epoch++) {
    const step = epoch * plan.stepsPerEpoch;
    drafts.push({
      at: stepTime(job, t, step),
      type: 'epoch_complete',
      level: 'info',
      message: `Epoch ${epoch} completed at step ${step}`,
      step,
    });
  }
  for (const step of plan.checkpointSteps) {
    const path = `s3://together-simulator/${outputName(job)}/checkpoints/step-${step}`;
    drafts.push({
      at: stepTime(job, t, step),
      type: 'checkpoint_save',
      level: 'info',
      message: `Checkpoint saved at step ${step}`,
      step,
      checkpoint_path: path,
    });
  }
  for (const step of plan.evalSteps) {
    const loss = evalLoss(job.id, step, plan.steps);
    drafts.push({
      at: stepTime(job, t, step),
      type: 'warning',
      level: 'info',
      message: `Evaluation at step ${step}: validation loss ${loss}`,
      step,
    });
  }
  if (plan.earlyStop !== null) {
    const { haltStep, bestStep, bestLoss } = plan.earlyStop;
    const message = `Early stopping at step ${haltStep}: validation loss stopped improving; best ${bestLoss} at step ${bestStep}`;
    drafts.push({
      at: t.runningUntil,
      type: 'early_stopped',
      level: 'info',
      message,
      step: haltStep,
      early_stopping_best_step: bestStep,
      early_stopping_best_metric_value: bestLoss,
    });
  }
  return drafts;
}

function finishEvents(job: StoredJob, t: Timeline): Draft[] {
  const model = `s3://together-simulator/${outputName(job)}`;
  return [
    {
      at: t.runningUntil,
      type: 'training_complete',
      level: 'info',
      message: 'Training completed',
    },
    { at: t.runningUntil, type: 'model_compressing', level: 'info', message: 'Compressing output model' },
    { at: t.compressingUntil, type: 'model_compression_complete', level: 'info', message: 'Model compressed' },
    { at: t.compressingUntil, type: 'model_uploading', level: 'info', message: 'Uploading output model' },
    { at: t.completedAt, type: 'model_upload_complete', level: 'info', message: 'Model uploaded', model_path: model },
    {
      at: t.completedAt,
      type: 'job_complete',
      level: 'info',
      message: `Job finished: ${outputName(job)}`,
      model_path: model,
    },
  ];
}

function stopEvents(job: StoredJob, now: number): Draft[] {
  const state = jobStateAt(job, now);
  const drafts: Draft[] = [];
  if (job.cancelRequestedAt !== null)
    drafts.push({
      at: job.cancelRequestedAt,
      type: 'cancel_requested',
      level: 'info',
      message: 'Cancel requested by the user',
    });
  if (state.status === 'cancelled' && state.endedAt !== null)
    drafts.push({
      at: state.endedAt,
      type: 'job_stopped',
      level: 'info',
      message: `Job cancelled after ${state.stepsDone} steps`,
    });
  if (state.status === 'error' && state.endedAt !== null)
    drafts.push({ at: state.endedAt, type: 'job_error', level: 'error', message: state.error ?? 'The job failed' });
  return drafts;
}

/** The fields of the spec's `FineTuneEvent` an event draft leaves out, filled with the job's values. */
function complete(
  job: StoredJob,
  t: Timeline,
  stepsDone: number,
  draft: Draft,
): Omit<WireEvent, 'created_at' | 'object'> {
  const { at, ...rest } = draft;
  return {
    param_count: Math.round(job.settings.model.paramsBillions * 1e9),
    token_count: job.plan.trainingTokens * job.settings.body.n_epochs,
    // The steps of the schedule, known once training started.
    total_steps: at >= t.runningFrom ? job.plan.steps : 0,
    wandb_url: wandbUrl(job) ?? '',
    // The steps done when it happened (frozen once the job stopped).
    step: Math.min(stepsAt(job, t, at), stepsDone),
    checkpoint_path: '',
    model_path: '',
    training_offset: 0,
    hash: '',
    ...rest,
  };
}

export function eventsAt(job: StoredJob, now: number): WireEvent[] {
  const t = timelineOf(job);
  const state = jobStateAt(job, now);
  // Nothing of the normal walk happens after the job stopped (a cancel asked, or an error).
  const until = Math.min(
    now,
    job.cancelRequestedAt ?? Infinity,
    state.status === 'error' ? (state.endedAt ?? now) : Infinity,
  );
  const walk = [...startEvents(job, t), ...trainingEvents(job, t), ...finishEvents(job, t)].filter(
    (d) => d.at <= until,
  );
  const created: Draft = { at: job.createdAt, type: 'job_pending', level: 'info', message: 'Fine-tune job created' };
  const all = [created, ...walk, ...stopEvents(job, now)].map((d, order) => ({ d, order }));
  all.sort((a, b) => a.d.at - b.d.at || a.order - b.order);
  return all.map(
    ({ d }) =>
      ({
        object: 'fine-tune-event',
        created_at: formatTimestamp(d.at),
        ...complete(job, t, state.stepsDone, d),
      }) satisfies WireEvent,
  );
}
