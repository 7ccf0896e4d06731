import { HYPERPARAMETER_RULES, LORA_RULES, TRAINABLE_MODULES, describeRule, type TrainableModule } from '../contract/hyperparameters.js';
import type { Hyperparameters, LoraConfig } from '../upstream/schemas.js';
import { builder } from './builder.js';

export const TrainableModuleEnum = builder.enumType('TrainableModule', {
  description: 'A linear layer that LoRA adapts. An empty list means all of them.',
  values: Object.fromEntries(
    TRAINABLE_MODULES.map((module) => [module.toUpperCase(), { value: module, description: `The \`${module}\` projection.` }]),
  ) as Record<Uppercase<TrainableModule>, { value: TrainableModule; description: string }>,
});

const LoraConfigRef = builder.objectRef<LoraConfig>('LoraConfig').implement({
  description: 'LoRA (low-rank adaptation) settings of a job.',
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', { description: 'Whether LoRA is used; always true today (full fine-tuning is not offered).' }),
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

export const HyperparametersRef = builder.objectRef<Hyperparameters>('Hyperparameters').implement({
  description: 'Training settings of a job.',
  fields: (t) => ({
    nEpochs: t.exposeInt('nEpochs', { description: 'Complete passes through the training data.' }),
    nEvals: t.exposeInt('nEvals', { description: 'Evaluation runs on the validation data.' }),
    batchSize: t.exposeInt('batchSize', { description: 'Training examples per step.' }),
    learningRate: t.exposeFloat('learningRate', { description: 'Step size of the optimizer.' }),
    warmupRatio: t.exposeFloat('warmupRatio', { description: 'Share of the steps over which the learning rate rises linearly.' }),
    weightDecay: t.exposeFloat('weightDecay', { description: 'Weight decay of the optimizer.' }),
    bestCheckpoints: t.exposeBoolean('bestCheckpoints', { description: 'Whether the checkpoint with the best validation metric is kept rather than the last.' }),
    maskPromptLabels: t.exposeBoolean('maskPromptLabels', { description: 'Whether the prompt tokens are left out of the loss.' }),
    lora: t.field({ type: LoraConfigRef, description: 'LoRA settings.', resolve: (h) => h.lora }),
  }),
});

const range = (rule: { min: number; max: number | undefined; integer: boolean; wire: string; default: number }) =>
  `${describeRule(rule)[0]!.toUpperCase()}${describeRule(rule).slice(1)}; default ${rule.default}.`;

export const LoraInput = builder.inputType('LoraInput', {
  description: 'LoRA settings of a new job. Only LoRA is offered: `enabled: false` is refused.',
  fields: (t) => ({
    enabled: t.boolean({ required: true, defaultValue: true, description: 'Must be true: full fine-tuning is not offered yet.' }),
    r: t.int({ required: true, defaultValue: LORA_RULES.r.default, description: `Rank of the adaptation. ${range(LORA_RULES.r)}` }),
    alpha: t.int({ required: true, defaultValue: LORA_RULES.alpha.default, description: `Scaling factor of the updates. ${range(LORA_RULES.alpha)}` }),
    dropout: t.float({ required: true, defaultValue: LORA_RULES.dropout.default, description: `Dropout probability of the LoRA layers. ${range(LORA_RULES.dropout)}` }),
    trainableModules: t.field({
      type: [TrainableModuleEnum],
      required: true,
      defaultValue: [],
      description: 'Layers to adapt; empty (the default) means all linear layers.',
    }),
  }),
});

export const HyperparametersInput = builder.inputType('HyperparametersInput', {
  description: 'Training settings of a new job; every field has the service\'s default.',
  fields: (t) => ({
    nEpochs: t.int({ required: true, defaultValue: HYPERPARAMETER_RULES.nEpochs.default, description: `Complete passes through the training data. ${range(HYPERPARAMETER_RULES.nEpochs)}` }),
    nEvals: t.int({ required: true, defaultValue: HYPERPARAMETER_RULES.nEvals.default, description: `Evaluation runs on the validation data. ${range(HYPERPARAMETER_RULES.nEvals)}` }),
    batchSize: t.int({ required: true, defaultValue: 4, description: 'Training examples per step: one of the base model\'s `supportedBatchSizes`; default 4.' }),
    learningRate: t.float({ required: true, defaultValue: HYPERPARAMETER_RULES.learningRate.default, description: `Step size of the optimizer. ${range(HYPERPARAMETER_RULES.learningRate)}` }),
    warmupRatio: t.float({ required: true, defaultValue: HYPERPARAMETER_RULES.warmupRatio.default, description: `Share of the steps over which the learning rate rises linearly. ${range(HYPERPARAMETER_RULES.warmupRatio)}` }),
    weightDecay: t.float({ required: true, defaultValue: HYPERPARAMETER_RULES.weightDecay.default, description: `Weight decay of the optimizer. ${range(HYPERPARAMETER_RULES.weightDecay)}` }),
    bestCheckpoints: t.boolean({ required: true, defaultValue: false, description: 'Keep the checkpoint with the best validation metric instead of the last; default false.' }),
    maskPromptLabels: t.boolean({ required: true, defaultValue: false, description: 'Leave the prompt tokens out of the loss; default false.' }),
    lora: t.field({ type: LoraInput, description: 'LoRA settings; defaults apply when omitted.' }),
  }),
});

export const JobDatasetInput = builder.inputType('JobDatasetInput', {
  description: 'The dataset a new job trains on, and which of its columns to read.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The dataset id.' }),
    promptColumn: t.string({ description: 'Column holding the prompts; optional.' }),
    answerColumn: t.string({ required: true, description: 'Column holding the expected answers.' }),
  }),
});

export const CreateJobInput = builder.inputType('CreateJobInput', {
  description: 'A fine-tuning job to start or to estimate. It is checked in full before it reaches the upstream: every problem comes back as its own BAD_USER_INPUT error with `extensions.field`.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'The job name.' }),
    baseModelId: t.id({ required: true, description: 'Id of the base model to fine-tune (see `baseModels`).' }),
    dataset: t.field({ type: JobDatasetInput, required: true, description: 'The training data.' }),
    hyperparameters: t.field({ type: HyperparametersInput, description: 'Training settings; defaults apply when omitted.' }),
  }),
});
