/**
 * The input of a Together fine-tune, camelCase, and its wire body. Every parameter the SDK types is
 * here; the client sends what it is given and fills no default (Together's own apply), so that the
 * defaults the gateway shows have one owner later, its GraphQL input.
 */
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

/** Together's `param` (wire names) → the input's names, for refusals that name a parameter. */
export const CREATE_JOB_INPUT_FIELDS: Readonly<Record<string, string>> = {
  model: 'model',
  training_file: 'trainingFileId',
  validation_file: 'validationFileId',
  suffix: 'suffix',
  n_epochs: 'nEpochs',
  n_checkpoints: 'nCheckpoints',
  n_evals: 'nEvals',
  batch_size: 'batchSize',
  learning_rate: 'learningRate',
  lr_scheduler: 'lrScheduler',
  'lr_scheduler.lr_scheduler_type': 'lrScheduler.type',
  'lr_scheduler.lr_scheduler_args.min_lr_ratio': 'lrScheduler.minLrRatio',
  'lr_scheduler.lr_scheduler_args.num_cycles': 'lrScheduler.numCycles',
  warmup_ratio: 'warmupRatio',
  max_grad_norm: 'maxGradNorm',
  weight_decay: 'weightDecay',
  max_seq_length: 'maxSeqLength',
  gradient_accumulation_steps: 'gradientAccumulationSteps',
  random_seed: 'randomSeed',
  training_type: 'training',
  'training_type.type': 'training.type',
  'training_type.lora_r': 'training.r',
  'training_type.lora_alpha': 'training.alpha',
  'training_type.lora_dropout': 'training.dropout',
  'training_type.lora_trainable_modules': 'training.trainableModules',
  training_method: 'method',
  'training_method.method': 'method.method',
  'training_method.dpo_beta': 'method.beta',
  early_stopping_enabled: 'earlyStopping',
  early_stopping_patience: 'earlyStopping.patience',
  early_stopping_warmup_evals: 'earlyStopping.warmupEvals',
  early_stopping_min_delta: 'earlyStopping.minDelta',
  from_checkpoint: 'fromCheckpoint',
  from_hf_model: 'fromHfModel',
  hf_model_revision: 'hfModelRevision',
  hf_output_repo_name: 'huggingFaceExport.repositoryName',
  hf_api_token: 'huggingFaceExport.token',
  wandb_base_url: 'wandb.baseUrl',
};
