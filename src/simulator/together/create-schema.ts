/**
 * The body of `POST /fine-tunes` (and, a subset, of `/fine-tunes/estimate-price`) as the SDK types
 * it: every parameter with its type and the defaults the spec states. Unknown keys are dropped, as a
 * JSON API does. The limits that depend on the model (`create-rules.ts`) are checked afterwards.
 * A broken rule is worded by `issue-messages.ts`.
 */
import { z } from 'zod';

const lrSchedulerSchema = z.object({
  lr_scheduler_type: z.enum(['linear', 'cosine']),
  lr_scheduler_args: z
    .object({ min_lr_ratio: z.number().min(0).max(1).optional(), num_cycles: z.number().positive().optional() })
    .optional(),
});

const sftSchema = z.object({
  method: z.literal('sft'),
  train_on_inputs: z.union([z.boolean(), z.literal('auto')]).default('auto'),
});
const dpoSchema = z.object({
  method: z.literal('dpo'),
  dpo_beta: z.number().positive().default(0.1),
  rpo_alpha: z.number().min(0).default(0),
  simpo_gamma: z.number().min(0).default(0),
  dpo_normalize_logratios_by_length: z.boolean().default(false),
  dpo_reference_free: z.boolean().default(false),
});

const loraSchema = z.object({
  type: z.literal('Lora'),
  // Its range (1 to the model's largest rank) is checked against the model (`create-rules.ts`).
  lora_r: z.number().int(),
  lora_alpha: z.number().positive(),
  lora_dropout: z.number().min(0).lt(1).default(0),
  lora_trainable_modules: z.string().min(1).default('all-linear'),
});

const trainingTypeSchema = z.union([z.object({ type: z.literal('Full') }), loraSchema]).nullish();
const trainingMethodSchema = z.discriminatedUnion('method', [sftSchema, dpoSchema]).optional();

export const estimateBodySchema = z.object({
  training_file: z.string().min(1),
  validation_file: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  from_checkpoint: z.string().min(1).optional(),
  n_epochs: z.number().int().default(1),
  n_evals: z.number().int().default(0),
  training_type: trainingTypeSchema,
  training_method: trainingMethodSchema,
});

export const createBodySchema = estimateBodySchema.extend({
  model: z.string().min(1),
  n_checkpoints: z.number().int().default(1),
  batch_size: z.union([z.number().int(), z.literal('max')]).default('max'),
  learning_rate: z.number().default(0.00001),
  lr_scheduler: lrSchedulerSchema.optional(),
  warmup_ratio: z.number().min(0).lt(1).default(0),
  max_grad_norm: z.number().min(0).default(1),
  weight_decay: z.number().min(0).default(0),
  max_seq_length: z.number().int().optional(),
  gradient_accumulation_steps: z.number().int().min(0).optional(),
  packing: z.boolean().default(true),
  random_seed: z.number().int().nullish(),
  suffix: z.string().max(64).optional(),
  train_on_inputs: z.union([z.boolean(), z.literal('auto')]).optional(),
  from_hf_model: z.string().min(1).optional(),
  hf_model_revision: z.string().min(1).optional(),
  hf_api_token: z.string().min(1).optional(),
  hf_output_repo_name: z.string().min(1).optional(),
  wandb_api_key: z.string().min(1).optional(),
  wandb_base_url: z.url().optional(),
  wandb_project_name: z.string().min(1).optional(),
  wandb_name: z.string().min(1).optional(),
  early_stopping_enabled: z.boolean().default(false),
  early_stopping_patience: z.number().int().min(1).default(3),
  early_stopping_warmup_evals: z.number().int().min(0).nullish(),
  early_stopping_min_delta: z.number().min(0).default(0),
  multimodal_params: z.object({ train_vision: z.boolean().optional() }).optional(),
});

export type CreateBody = z.output<typeof createBodySchema>;
