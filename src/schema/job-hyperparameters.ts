/**
 * Job settings as GraphQL shows them: the `Hyperparameters` a job has, as its provider reports the job
 * (the inputs of a new job, and their defaults, are in hyperparameters.ts).
 */
import type { Hyperparameters, LoraConfig } from '../upstream/schemas.js';
import { builder } from './builder.js';
import { TrainableModuleEnum } from './hyperparameters.js';

const LoraConfigRef = builder.objectRef<LoraConfig>('LoraConfig').implement({
  description: 'LoRA (low-rank adaptation) settings of a job.',
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', {
      description:
        'Whether LoRA is used: always true where these settings are shown, since a job that trained every ' +
        'weight (full training, Together only) has no LoRA settings: its `Hyperparameters.lora` is null.',
    }),
    r: t.exposeInt('r', { description: 'Rank of the adaptation matrices.' }),
    alpha: t.exposeInt('alpha', { description: 'Scaling factor of the LoRA updates.' }),
    dropout: t.exposeFloat('dropout', { description: 'Dropout probability of the LoRA layers.' }),
    trainableModules: t.field({
      type: [TrainableModuleEnum],
      description: 'Layers adapted; empty means all linear layers.',
      resolve: (lora) => lora.trainableModules,
    }),
  }),
});

/** Together's preference training settings of a job (`providers/together-job.ts`). */
interface DpoSettings {
  beta: number;
}

const DpoSettingsRef = builder.objectRef<DpoSettings>('DpoSettings').implement({
  description:
    'Preference training (DPO) settings of a job, as Together reports the job (its `training_method` of method `dpo`).',
  fields: (t) => ({
    beta: t.exposeFloat('beta', {
      description:
        'How far the trained model may move from the base model (`dpo_beta`): the `beta` the job was created with ' +
        "(`DpoInput.beta`), else Together's default 0.1.",
    }),
  }),
});

/**
 * A job's settings; `lora` is null for a job that trained every weight (Together's full training).
 * `nCheckpoints` and `dpo` are Together's: an Nscale job has neither (both read null).
 */
type HyperparametersShape = Omit<Hyperparameters, 'lora'> & {
  lora: LoraConfig | null;
  nCheckpoints?: number | null;
  dpo?: DpoSettings | null;
};

export const HyperparametersRef = builder.objectRef<HyperparametersShape>('Hyperparameters').implement({
  description:
    'Training settings of a job, as its provider reports the job. Of the settings `createJob` takes on Together, ' +
    "early stopping's (`HyperparametersInput.earlyStopping`) are not among them: Together's job object does not " +
    'return them.',
  fields: (t) => ({
    nEpochs: t.exposeInt('nEpochs', { description: 'Complete passes through the training data.' }),
    nEvals: t.exposeInt('nEvals', { description: 'Evaluation runs on the validation data.' }),
    batchSize: t.exposeInt('batchSize', { description: 'Training examples per step.' }),
    learningRate: t.exposeFloat('learningRate', { description: 'Step size of the optimizer.' }),
    warmupRatio: t.exposeFloat('warmupRatio', {
      description: 'Share of the steps over which the learning rate rises linearly.',
    }),
    weightDecay: t.exposeFloat('weightDecay', { description: 'Weight decay of the optimizer.' }),
    bestCheckpoints: t.exposeBoolean('bestCheckpoints', {
      description:
        'Whether the checkpoint with the best validation metric is kept rather than the last. Always false on ' +
        'Together, which keeps the final model.',
    }),
    maskPromptLabels: t.exposeBoolean('maskPromptLabels', {
      description:
        'Whether the prompt tokens are left out of the loss. Always true for preference training (`dpo`, on ' +
        "Together), which never trains on the prompt (Together's DPO takes no `train_on_inputs`); for supervised " +
        "training on Together, the opposite of the job's `train_on_inputs` (its `auto` reads true).",
    }),
    lora: t.field({
      type: LoraConfigRef,
      nullable: true,
      description: 'LoRA settings; null for a job that trained every weight (full training, on Together).',
      resolve: (h) => h.lora,
    }),
    nCheckpoints: t.int({
      nullable: true,
      description:
        'Together: the checkpoints the job saves, the final model counted (see `HyperparametersInput.nCheckpoints`; ' +
        'listed in `Job.checkpoints`, a new job can continue from one with `CreateJobInput.fromCheckpoint`), as ' +
        "Together reports the job (`n_checkpoints`): the `nCheckpoints` it was created with, else Together's default " +
        '1. Null on Nscale, which has no such setting.',
      resolve: (h) => h.nCheckpoints ?? null,
    }),
    dpo: t.field({
      type: DpoSettingsRef,
      nullable: true,
      description:
        'Together: the preference training (DPO) settings, as Together reports the job (`training_method`). Null for ' +
        'supervised fine-tuning (a job created without `dpo`), and on Nscale, which trains supervised only.',
      resolve: (h) => h.dpo ?? null,
    }),
  }),
});
