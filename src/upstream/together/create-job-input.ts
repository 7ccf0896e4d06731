/**
 * The input of a Together fine-tune, camelCase, and its wire body. Every parameter the SDK types is
 * here; the client sends what it is given and fills no default (Together's own apply), so that the
 * defaults the gateway shows have one owner later, its GraphQL input. Together's refusals of it are
 * put in the input's names (`CREATE_JOB_INPUT_FIELDS`, `withCheckpointNamed`).
 */
import { UpstreamError, isUpstreamError } from '../errors.js';

export type TogetherTraining =
  { type: 'lora'; r?: number; alpha?: number; dropout?: number; trainableModules?: string } | { type: 'full' };

export type TogetherMethod =
  | { method: 'sft'; trainOnInputs?: boolean | 'auto' }
  | {
      method: 'dpo';
      beta?: number;
      rpoAlpha?: number;
      simpoGamma?: number;
      normalizeLogratiosByLength?: boolean;
      referenceFree?: boolean;
    };

export interface TogetherCreateJobInput {
  model: string;
  trainingFileId: string;
  validationFileId?: string;
  suffix?: string;
  nEpochs?: number;
  nCheckpoints?: number;
  nEvals?: number;
  /** An integer in the model's range, or `'max'` (its top). */
  batchSize?: number | 'max';
  learningRate?: number;
  lrScheduler?: { type: 'linear' | 'cosine'; minLrRatio?: number; numCycles?: number };
  warmupRatio?: number;
  maxGradNorm?: number;
  weightDecay?: number;
  maxSeqLength?: number;
  gradientAccumulationSteps?: number;
  packing?: boolean;
  randomSeed?: number;
  training?: TogetherTraining;
  method?: TogetherMethod;
  /** Stop when the validation loss stops improving; needs a validation file and enough evaluations. */
  earlyStopping?: { patience?: number; warmupEvals?: number; minDelta?: number };
  /** `{job id}` or `{output model name}`, optionally `:{step}`: continue training from there. */
  fromCheckpoint?: string;
  fromHfModel?: string;
  hfModelRevision?: string;
  /** Export the trained model to Hugging Face. The token is a secret: scrubbed from every error. */
  huggingFaceExport?: { repositoryName: string; token: string };
  /** The key is a secret, scrubbed like the Hugging Face token. */
  wandb?: { apiKey: string; baseUrl?: string; projectName?: string; name?: string };
}

/** What `estimatePrice` needs of a job. */
export type TogetherEstimateInput = Pick<
  TogetherCreateJobInput,
  'model' | 'trainingFileId' | 'validationFileId' | 'nEpochs' | 'nEvals' | 'training' | 'method' | 'fromCheckpoint'
>;

type Wire = Record<string, unknown>;

/** What `fromCheckpoint` takes: said with each refusal of it (an error's advice). */
const FROM_CHECKPOINT_RULE =
  'fromCheckpoint takes `<job id>` or `<job id>:<step>`: a completed job of this account, on the same ' +
  'base model, and with a step one of the checkpoints it saved.';

/**
 * Together's refusal of `from_checkpoint`, naming the whole value the job was given: Together names
 * only its job part (`no fine-tune job … "ft-nope" exists` for `ft-nope:5`), which reads as if the
 * step had been dropped. Together's reason stays; the rule is the error's advice. Any other error is
 * returned as it is.
 */
export function withCheckpointNamed(error: unknown, input: TogetherEstimateInput): unknown {
  const value = input.fromCheckpoint;
  if (!isUpstreamError(error) || error.code !== 'BAD_USER_INPUT' || error.field !== 'fromCheckpoint') return error;
  if (value === undefined) return error;
  const reason = error.message.replace(/^fromCheckpoint: /, '');
  return new UpstreamError(
    'BAD_USER_INPUT',
    `fromCheckpoint: ${JSON.stringify(value)} cannot be continued from: ${reason}`,
    {
      status: error.status,
      upstreamCode: error.upstreamCode,
      upstreamParam: error.upstreamParam,
      operation: error.operation,
      field: error.field,
      advice: FROM_CHECKPOINT_RULE,
      cause: error.cause,
    },
  );
}

const defined = (entries: Wire): Wire =>
  Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));

function trainingType(t: TogetherTraining | undefined): Wire | undefined {
  if (t === undefined) return undefined;
  if (t.type === 'full') return { type: 'Full' };
  return defined({
    type: 'Lora',
    lora_r: t.r,
    lora_alpha: t.alpha,
    lora_dropout: t.dropout,
    lora_trainable_modules: t.trainableModules,
  });
}

function trainingMethod(m: TogetherMethod | undefined): Wire | undefined {
  if (m === undefined) return undefined;
  if (m.method === 'sft') return defined({ method: 'sft', train_on_inputs: m.trainOnInputs });
  return defined({
    method: 'dpo',
    dpo_beta: m.beta,
    rpo_alpha: m.rpoAlpha,
    simpo_gamma: m.simpoGamma,
    dpo_normalize_logratios_by_length: m.normalizeLogratiosByLength,
    dpo_reference_free: m.referenceFree,
  });
}

export function estimateBody(input: TogetherEstimateInput): Wire {
  return defined({
    model: input.model,
    training_file: input.trainingFileId,
    validation_file: input.validationFileId,
    n_epochs: input.nEpochs,
    n_evals: input.nEvals,
    training_type: trainingType(input.training),
    training_method: trainingMethod(input.method),
    from_checkpoint: input.fromCheckpoint,
  });
}

export function createJobBody(input: TogetherCreateJobInput): Wire {
  const s = input.lrScheduler;
  const stop = input.earlyStopping;
  return defined({
    ...estimateBody(input),
    suffix: input.suffix,
    n_checkpoints: input.nCheckpoints,
    batch_size: input.batchSize,
    learning_rate: input.learningRate,
    lr_scheduler:
      s === undefined
        ? undefined
        : defined({
            lr_scheduler_type: s.type,
            lr_scheduler_args:
              s.minLrRatio === undefined && s.numCycles === undefined
                ? undefined
                : defined({ min_lr_ratio: s.minLrRatio, num_cycles: s.numCycles }),
          }),
    warmup_ratio: input.warmupRatio,
    max_grad_norm: input.maxGradNorm,
    weight_decay: input.weightDecay,
    max_seq_length: input.maxSeqLength,
    gradient_accumulation_steps: input.gradientAccumulationSteps,
    packing: input.packing,
    random_seed: input.randomSeed,
    early_stopping_enabled: stop === undefined ? undefined : true,
    early_stopping_patience: stop?.patience,
    early_stopping_warmup_evals: stop?.warmupEvals,
    early_stopping_min_delta: stop?.minDelta,
    from_hf_model: input.fromHfModel,
    hf_model_revision: input.hfModelRevision,
    hf_output_repo_name: input.huggingFaceExport?.repositoryName,
    hf_api_token: input.huggingFaceExport?.token,
    wandb_api_key: input.wandb?.apiKey,
    wandb_base_url: input.wandb?.baseUrl,
    wandb_project_name: input.wandb?.projectName,
    wandb_name: input.wandb?.name,
  });
}

/**
 * Together's `param` (wire names) → the path of the gateway's GraphQL input (`CreateJobInput`) that
 * sets it, for refusals that name a parameter: that path is the error's `extensions.field`, and the
 * refusal's leading wire name is put in its words. The input's shape is not this client's
 * (`togetherInput` in src/resolvers/validate-together-job.ts translates it): `hyperparameters.lora`
 * becomes `training_type`, `hyperparameters.dpo` and `maskPromptLabels` become `training_method`.
 * A parameter no GraphQL input sets (Together's default applies: `lr_scheduler`, `max_grad_norm`,
 * `max_seq_length`, `wandb_*`, …) has no entry: a refusal of it names no field rather than one the
 * caller cannot find.
 */
export const CREATE_JOB_INPUT_FIELDS: Readonly<Record<string, string>> = {
  model: 'baseModelId',
  training_file: 'files.trainingFileId',
  validation_file: 'files.validationFileId',
  suffix: 'name',
  n_epochs: 'hyperparameters.nEpochs',
  n_checkpoints: 'hyperparameters.nCheckpoints',
  n_evals: 'hyperparameters.nEvals',
  batch_size: 'hyperparameters.batchSize',
  learning_rate: 'hyperparameters.learningRate',
  warmup_ratio: 'hyperparameters.warmupRatio',
  weight_decay: 'hyperparameters.weightDecay',
  // LoRA or full training is `hyperparameters.lora.enabled`.
  training_type: 'hyperparameters.lora.enabled',
  'training_type.type': 'hyperparameters.lora.enabled',
  'training_type.lora_r': 'hyperparameters.lora.r',
  'training_type.lora_alpha': 'hyperparameters.lora.alpha',
  'training_type.lora_dropout': 'hyperparameters.lora.dropout',
  'training_type.lora_trainable_modules': 'hyperparameters.lora.trainableModules',
  // SFT or DPO is whether `hyperparameters.dpo` is given.
  training_method: 'hyperparameters.dpo',
  'training_method.method': 'hyperparameters.dpo',
  'training_method.dpo_beta': 'hyperparameters.dpo.beta',
  // `train_on_inputs` is `maskPromptLabels` inverted.
  'training_method.train_on_inputs': 'hyperparameters.maskPromptLabels',
  early_stopping_enabled: 'hyperparameters.earlyStopping',
  early_stopping_patience: 'hyperparameters.earlyStopping.patience',
  early_stopping_warmup_evals: 'hyperparameters.earlyStopping.warmupEvals',
  early_stopping_min_delta: 'hyperparameters.earlyStopping.minDelta',
  from_checkpoint: 'fromCheckpoint',
  hf_output_repo_name: 'huggingFaceExport.repositoryId',
  hf_api_token: 'huggingFaceExport.accessToken',
};
