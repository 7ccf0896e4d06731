/**
 * A Together job as the gateway's `Job` type shows it: under its public id (`together:ft-…`), with
 * what Together does not have (a dataset and its columns) left null by the schema, and its
 * settings in the gateway's `Hyperparameters` names.
 */
import type { Hyperparameters } from '../upstream/schemas.js';
import type { TogetherJob } from '../upstream/together/wire-job.js';
import { TRAINABLE_MODULES, type TrainableModule } from '../contract/hyperparameters.js';
import { publicId } from './provider-ids.js';

export type TogetherJobView = TogetherJob & { provider: 'together'; upstreamJobId: string };

export function togetherJobView(job: TogetherJob): TogetherJobView {
  return { ...job, provider: 'together', id: publicId('together', job.id), upstreamJobId: job.id };
}

/**
 * Together's settings under the gateway's names. What Together leaves out of an answer is the
 * default it documents and applied (1 epoch, no evaluations, learning rate 1e-5, no warm-up or
 * decay); `batchSize` `max` is the model's largest, which the caller passes in.
 */
export function togetherHyperparameters(
  job: TogetherJobView,
  maxBatchSize: number | null,
): Omit<Hyperparameters, 'lora'> & { lora: Hyperparameters['lora'] | null } {
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
    maskPromptLabels: h.trainOnInputs !== true,
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
