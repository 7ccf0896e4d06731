/**
 * A Together job as the gateway's `Job` type shows it: under its public id (`together:ft-…`), with
 * what Together does not have (a dataset and its columns) left null by the schema, and its
 * settings in the gateway's `Hyperparameters` names.
 */
import type { Hyperparameters } from '../upstream/schemas.js';
import type { TogetherJob } from '../upstream/together/wire-job.js';
import { TOGETHER_DEFAULT_CHECKPOINTS } from '../contract/hyperparameter-limits.js';
import { TRAINABLE_MODULES, type TrainableModule } from '../contract/hyperparameters.js';
import { publicId } from './provider-ids.js';

export type TogetherJobView = TogetherJob & { provider: 'together'; upstreamJobId: string };

export function togetherJobView(job: TogetherJob): TogetherJobView {
  return { ...job, provider: 'together', id: publicId('together', job.id), upstreamJobId: job.id };
}

/** Together's default `dpo_beta`, for a DPO job whose answer leaves it out. */
const TOGETHER_DEFAULT_DPO_BETA = 0.1;

/** A Together job's settings under the gateway's names, with what only Together has. */
export type TogetherHyperparameters = Omit<Hyperparameters, 'lora'> & {
  lora: Hyperparameters['lora'] | null;
  nCheckpoints: number;
  /** Null for supervised training (SFT). */
  dpo: { beta: number } | null;
};

/**
 * Together's settings under the gateway's names. What Together leaves out of an answer is the
 * default it documents and applied (1 epoch, no evaluations, learning rate 1e-5, no warm-up or
 * decay, 1 checkpoint, DPO beta 0.1); `batchSize` `max` is the model's largest, which the caller
 * passes in. Early stopping's settings and the Hugging Face export target are not here: Together's
 * job object does not return them (its OpenAPI `FinetuneResponse`, the SDK's type).
 */
export function togetherHyperparameters(job: TogetherJobView, maxBatchSize: number | null): TogetherHyperparameters {
  const h = job.hyperparameters;
  const known = new Set<string>(TRAINABLE_MODULES);
  return {
    nEpochs: h.nEpochs ?? 1,
    nEvals: h.nEvals ?? 0,
    batchSize: typeof h.batchSize === 'number' ? h.batchSize : (maxBatchSize ?? 0),
    learningRate: h.learningRate ?? 1e-5,
    warmupRatio: h.warmupRatio ?? 0,
    weightDecay: h.weightDecay ?? 0,
    // Together keeps the final model, never a "best" one.
    bestCheckpoints: false,
    // train_on_inputs is the inverse; `auto` leaves the prompt out for instruction samples, which the gateway sends.
    // DPO takes no train_on_inputs: it never trains on the prompt, which is masked (createJob refuses false with it).
    maskPromptLabels: h.method === 'dpo' || h.trainOnInputs !== true,
    nCheckpoints: h.nCheckpoints ?? TOGETHER_DEFAULT_CHECKPOINTS,
    dpo: h.method === 'dpo' ? { beta: h.dpoBeta ?? TOGETHER_DEFAULT_DPO_BETA } : null,
    lora:
      h.lora === null
        ? null
        : {
            enabled: true,
            r: h.lora.r,
            alpha: h.lora.alpha,
            dropout: h.lora.dropout,
            trainableModules: h.lora.trainableModules.filter((m): m is TrainableModule => known.has(m)),
          },
  };
}
