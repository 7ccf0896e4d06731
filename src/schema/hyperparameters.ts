/**
 * Job settings as a new job's inputs take them (the `Hyperparameters` a job has are in
 * job-hyperparameters.ts).
 *
 * The inputs own the job defaults, in one place, where clients see them (GraphiQL, schema.graphql):
 * every default comes from the contract's constants, and the two nested inputs default to the whole
 * object, so that graphql-js hands resolvers a complete job. Nothing after this fills a default
 * again (the validator checks what it gets and the upstream client sends every field it is given),
 * but for the two fields whose default is not one value, which say so: `batchSize` (the provider's)
 * and `maskPromptLabels` (the training method's), filled by each provider's validator.
 */
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_BEST_CHECKPOINTS,
  DEFAULT_LORA_ENABLED,
  DEFAULT_MASK_PROMPT_LABELS,
  DEFAULT_TRAINABLE_MODULES,
  HYPERPARAMETER_RULES,
  LORA_RULES,
  TRAINABLE_MODULES,
  describeRule,
  type NumericRule,
  type TrainableModule,
} from '../contract/hyperparameters.js';
import { builder } from './builder.js';
import { DpoInput, EarlyStoppingInput, JobFilesInput, JobHuggingFaceExportInput } from './together-job-input.js';

export const TrainableModuleEnum = builder.enumType('TrainableModule', {
  description: 'A linear layer that LoRA adapts. An empty list means all of them.',
  values: Object.fromEntries(
    TRAINABLE_MODULES.map((module) => [
      module.toUpperCase(),
      { value: module, description: `The \`${module}\` projection.` },
    ]),
  ) as Record<Uppercase<TrainableModule>, { value: TrainableModule; description: string }>,
});

/**
 * A setting's default (every provider's) and its limits on each provider: Nscale's are the contract's
 * fixed ranges (the rules validate-job-input.ts applies); Together's are the base model's own, which
 * validate-together-job.ts applies, or a fixed rule of Together's (`together`).
 */
const range = (rule: NumericRule, together: string) =>
  `Default ${rule.default}. On Nscale, ${describeRule(rule)}. On Together, ${together}.`;
/** Together's own limit of the base model, from its limits of fine-tuning that model. */
const modelLimit = (what: string) => `${what} (Together's limits of fine-tuning that model)`;

const h = HYPERPARAMETER_RULES;
const l = LORA_RULES;

/** graphql-js uses an input field's default as given (it does not apply nested defaults): so, whole. */
const DEFAULT_LORA = {
  enabled: DEFAULT_LORA_ENABLED,
  r: l.r.default,
  alpha: l.alpha.default,
  dropout: l.dropout.default,
  trainableModules: [...DEFAULT_TRAINABLE_MODULES],
};

/**
 * No `batchSize`, no `maskPromptLabels`: their defaults depend on the provider and on the training
 * method (see the fields).
 */
export const DEFAULT_HYPERPARAMETERS = {
  nEpochs: h.nEpochs.default,
  nEvals: h.nEvals.default,
  learningRate: h.learningRate.default,
  warmupRatio: h.warmupRatio.default,
  weightDecay: h.weightDecay.default,
  bestCheckpoints: DEFAULT_BEST_CHECKPOINTS,
  lora: DEFAULT_LORA,
};

export const LoraInput = builder.inputType('LoraInput', {
  description:
    'LoRA settings of a new job. `enabled: false` trains every weight instead, on a provider with ' +
    '`fullTraining` (Together, for the models whose limits allow it); elsewhere it is refused.',
  fields: (t) => ({
    enabled: t.boolean({
      required: true,
      defaultValue: DEFAULT_LORA.enabled,
      description:
        'Must be true on Nscale (full fine-tuning is not offered there); false on Together trains every weight (full training).',
    }),
    r: t.int({
      required: true,
      defaultValue: DEFAULT_LORA.r,
      description: `Rank of the adaptation. ${range(l.r, modelLimit("an integer from 1 to the base model's maximum rank"))}`,
    }),
    alpha: t.int({
      required: true,
      defaultValue: DEFAULT_LORA.alpha,
      description: `Scaling factor of the updates. ${range(l.alpha, 'any integer ≥ 1')}`,
    }),
    dropout: t.float({
      required: true,
      defaultValue: DEFAULT_LORA.dropout,
      description: `Dropout probability of the LoRA layers. ${range(l.dropout, 'a number from 0 up to (not including) 1')}`,
    }),
    trainableModules: t.field({
      type: [TrainableModuleEnum],
      required: true,
      defaultValue: DEFAULT_LORA.trainableModules,
      description: 'Layers to adapt; empty (the default) means all linear layers.',
    }),
  }),
});

/** Nscale's alone: Together keeps the final model (job-args.ts refuses `true` there). */
const BEST_CHECKPOINTS_TEXT =
  `Nscale only: keep the checkpoint with the best validation metric instead of the last; default ` +
  `${DEFAULT_BEST_CHECKPOINTS}. \`true\` is refused on Together (not available on provider together: the ` +
  'final model is kept), whose jobs read `Job.hyperparameters.bestCheckpoints` false.';

/** No one default: the training method's (each provider's validator fills it). */
const MASK_PROMPT_LABELS_TEXT =
  "Leave the prompt tokens out of the loss. Omitted (or null), the training method's default: " +
  `${DEFAULT_MASK_PROMPT_LABELS} for supervised training (SFT), on every provider; true for preference ` +
  "training (`dpo`, Together), which never trains on the prompt: Together's DPO takes no " +
  '`train_on_inputs`, so `false` with `dpo` is refused (BAD_USER_INPUT on `hyperparameters.maskPromptLabels`). ' +
  "For SFT on Together it is sent as `train_on_inputs` (its opposite); Together's own default when none " +
  'is sent, `auto`, would mask the prompts of chat and instruction samples: send `true` for that. ' +
  'Shown back as `Job.hyperparameters.maskPromptLabels`.';

export const HyperparametersInput = builder.inputType('HyperparametersInput', {
  description:
    'Training settings of a new job. Every field has a default, the same on every provider unless the field says ' +
    "otherwise (the gateway's, not each provider's own: a job reads the same whichever provider runs it). The " +
    "limits are each provider's, as each field says: Nscale's are fixed; Together's are mostly the base model's " +
    "own (Together's limits of fine-tuning that model); `BaseModel.hyperparameterLimits` gives them for each " +
    'model. Both are checked before the job is sent, each value outside them a BAD_USER_INPUT naming its field ' +
    'and the limit.',
  fields: (t) => ({
    nEpochs: t.int({
      required: true,
      defaultValue: DEFAULT_HYPERPARAMETERS.nEpochs,
      description:
        'Complete passes through the training data. ' +
        range(h.nEpochs, modelLimit("an integer from 1 to the base model's maximum")),
    }),
    nEvals: t.int({
      required: true,
      defaultValue: DEFAULT_HYPERPARAMETERS.nEvals,
      description:
        `Evaluation runs on the validation data. ${range(h.nEvals, modelLimit("an integer from 0 to the base model's maximum"))} ` +
        'Above 0 on Together only with `files.validationFileId`.',
    }),
    batchSize: t.int({
      description:
        `Training examples per step, within the base model's limits. Omitted, the provider's default: on ` +
        `Nscale ${DEFAULT_BATCH_SIZE} (one of the model's \`supportedBatchSizes\`); on Together, ` +
        `Together's own default, the model's largest batch for the training chosen (LoRA or full, SFT or ` +
        `DPO), which \`Job.hyperparameters.batchSize\` then shows.`,
    }),
    learningRate: t.float({
      required: true,
      defaultValue: DEFAULT_HYPERPARAMETERS.learningRate,
      description: `Step size of the optimizer. ${range(h.learningRate, modelLimit("a number in the base model's learning-rate range"))}`,
    }),
    warmupRatio: t.float({
      required: true,
      defaultValue: DEFAULT_HYPERPARAMETERS.warmupRatio,
      description:
        'Share of the steps over which the learning rate rises linearly. ' +
        range(h.warmupRatio, 'a number from 0 up to (not including) 1'),
    }),
    weightDecay: t.float({
      required: true,
      defaultValue: DEFAULT_HYPERPARAMETERS.weightDecay,
      description: `Weight decay of the optimizer. ${range(h.weightDecay, 'a number ≥ 0 too')}`,
    }),
    bestCheckpoints: t.boolean({
      required: true,
      defaultValue: DEFAULT_HYPERPARAMETERS.bestCheckpoints,
      description: BEST_CHECKPOINTS_TEXT,
    }),
    maskPromptLabels: t.boolean({ description: MASK_PROMPT_LABELS_TEXT }),
    lora: t.field({
      type: LoraInput,
      required: true,
      defaultValue: DEFAULT_LORA,
      description: 'LoRA settings; defaults apply when omitted.',
    }),
    nCheckpoints: t.int({
      description:
        "Together only: how many checkpoints the job saves (Together's `n_checkpoints`), from 1 to the model's " +
        "limit; Together's default 1 when omitted. Together documents it as the intermediate model versions saved " +
        'during training; `Job.checkpoints` lists them with the final model, and the gateway’s simulator counts the ' +
        'final model as one of them (1: the final model alone; 3: two intermediate ones spread over the training, ' +
        'and the final one). A new job can continue from any of them with `fromCheckpoint`. Shown back as ' +
        '`Job.hyperparameters.nCheckpoints`. Refused on Nscale.',
    }),
    earlyStopping: t.field({
      type: EarlyStoppingInput,
      description:
        'Together only: stop when the validation loss stops improving. Refused on Nscale. Not shown back by ' +
        "`Job.hyperparameters`: Together's job object does not return these settings.",
    }),
    dpo: t.field({
      type: DpoInput,
      description:
        'Together only: preference training (DPO) instead of supervised training, shown back as ' +
        '`Job.hyperparameters.dpo`. Refused on Nscale.',
    }),
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
  description:
    'A fine-tuning job to start or to estimate. It is checked in full, against the provider’s rules, before it ' +
    'reaches the upstream: every problem comes back as its own BAD_USER_INPUT error with `extensions.field`, ' +
    'its path in this input (`hyperparameters.lora.r`). A refusal of Together’s own names its field the same way.',
  fields: (t) => ({
    name: t.string({
      required: true,
      description:
        'The job name. On Together 1 to 64 ASCII letters (a–z, A–Z), digits, "-", "_" or "." (anything else is BAD_USER_INPUT on ' +
        '`name`): Together names the trained model after it, `user/<model>-<name>-<suffix>`, which is then the ' +
        "job's `name`.",
    }),
    baseModelId: t.id({ required: true, description: 'Id of the base model to fine-tune (see `baseModels`).' }),
    dataset: t.field({
      type: JobDatasetInput,
      description:
        'The training data on Nscale (required there). Together has no datasets: give `files` instead; a `dataset` is refused there.',
    }),
    files: t.field({
      type: JobFilesInput,
      description:
        'The training data on Together (required there): the uploaded files themselves. Refused on Nscale, which trains on a dataset.',
    }),
    fromCheckpoint: t.string({
      description:
        'Together only: continue training from a job of the same account, `<job id>` (its final model, also ' +
        '`<job id>:final`) or `<job id>:<step>` (a saved checkpoint): any `Job.checkpoints { id }` is taken as it is. ' +
        'Shown back as `Job.fromCheckpoint`. Refused on Nscale.',
    }),
    huggingFaceExport: t.field({
      type: JobHuggingFaceExportInput,
      description:
        'Together only: push the trained model to this Hugging Face repository when the job completes ' +
        '(checked like `exportJobToHuggingFace`’s repository and token). Not shown back on `Job`: Together’s job ' +
        'object returns neither the repository nor the token. Refused on Nscale, which exports a COMPLETED job with ' +
        '`exportJobToHuggingFace`.',
    }),
    hyperparameters: t.field({
      type: HyperparametersInput,
      required: true,
      defaultValue: DEFAULT_HYPERPARAMETERS,
      description: 'Training settings; defaults apply when omitted.',
    }),
    idempotencyKey: t.string({
      description:
        '`createJob` only (`costEstimate` ignores it): a key of the caller’s choosing, 1 to 128 characters of ' +
        'A–Z, a–z, 0–9, ".", "_", ":" or "-" (a UUID fits; anything else is BAD_USER_INPUT on `idempotencyKey`). ' +
        'For 24 hours after the first request that sent it, the same caller (provider, organization and token) ' +
        'sending the same key with the same input gets the job that request created, read again from the ' +
        'provider, and no other job is created; another caller’s keys never meet this one’s. The same key with ' +
        'another input is BAD_USER_INPUT on `idempotencyKey`, and creates nothing; a retry while the first ' +
        'creation is still under way waits up to 10 s for it, then answers CONFLICT (try again). A keyed ' +
        'creation goes on when its caller leaves, so that a retry gets the job; if the provider’s answer was ' +
        'lost, the key answers UPSTREAM_OUTCOME_UNKNOWN and never creates another job (check `jobs`). A ' +
        'creation the provider refused keeps nothing: the key may be sent again. Kept in the gateway’s ' +
        'database: when it cannot be reached, or the gateway keeps none, a keyed `createJob` is SERVICE_UNAVAILABLE ' +
        'and creates nothing. Without a key, a retry after a lost answer may create a second job.',
    }),
  }),
});
