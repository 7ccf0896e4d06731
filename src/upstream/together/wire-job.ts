/**
 * A fine-tune on the wire (the SDK's `FinetuneResponse`, full from `GET /fine-tunes/{id}`, truncated
 * from create, list and cancel) read into the gateway's `Job` shape where one exists (id, name, base
 * model, status, dates, hyperparameters under the same names), plus what only Together has.
 *
 * Mapping choices (docs/together-contract.md, "The gateway's client"):
 * - `status`: Together's onto the gateway's (`job-status.ts`); a `cancel_requested` job keeps the
 *   status it had, QUEUED or RUNNING, by whether its training started (`trainingStarted`).
 * - `name`: Together jobs have none; the name of the model the job produces (`model_output_name`)
 *   is what Together shows for it.
 * - `completedAt`: Together sends no end date; a job that has ended was last updated when it ended,
 *   so `updated_at` is used then, null before.
 * - LoRA `trainableModules`: Together's string (`"all-linear"` or a comma list) split into a list.
 * - `totalPriceUsd`: Together's `total_price` is an integer count of nanodollars (the spec types it
 *   `integer`; Together's Python SDK converts it with `price / 1_000_000_000`), read here in US
 *   dollars. The price estimate, by contrast, is in dollars on the wire (`wire-job-reads.ts`).
 * - `error.message`: the last error-level event's (a `job_error`); Together's job objects have no
 *   other error field. The list's jobs have no events, so a listed failed job's is null here: who
 *   shows it reads the full job then (`failureReasonUnread` in src/providers/job-shape.ts).
 * - `trainingSteps`: the latest `total_steps` of the job's events (only the full job has them);
 *   Together sends 0 until the training has started, read as unknown (null). With the metrics'
 *   latest step it gives the share done and the pace (`withJobTotals` in `wire-job-reads.ts`).
 * - `progress` (`seconds_remaining`, "to next state" in the SDK's words) is left unread: Together's
 *   own Python CLI reads it as the length of the whole run instead, and a value that changes on every
 *   read would make every poll of a running job a new snapshot for live subscribers.
 */
import { z } from 'zod';
import { gatewayStatus, togetherStatusSchema, TOGETHER_TERMINAL, trainingStarted } from './job-status.js';
import { wireEventSchema } from './wire-job-reads.js';

/** Nanodollars (1e-9 USD) per US dollar: the unit of a job's `total_price`. */
const NANODOLLARS_PER_USD = 1_000_000_000;

const date = z.string().transform((value, ctx) => {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: `not a timestamp: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return d;
});

const trainingTypeSchema = z.union([
  z.object({ type: z.literal('Full') }),
  z.object({
    type: z.literal('Lora'),
    lora_r: z.number(),
    lora_alpha: z.number(),
    lora_dropout: z.number().optional(),
    lora_trainable_modules: z.string().optional(),
  }),
]);

const trainingMethodSchema = z.union([
  z.object({ method: z.literal('sft'), train_on_inputs: z.union([z.boolean(), z.literal('auto')]).optional() }),
  z.object({
    method: z.literal('dpo'),
    dpo_beta: z.number().optional(),
    rpo_alpha: z.number().optional(),
    simpo_gamma: z.number().optional(),
  }),
]);

export const togetherJobSchema = z
  .object({
    id: z.string(),
    status: togetherStatusSchema,
    model: z.string(),
    model_output_name: z.string().optional(),
    created_at: date,
    updated_at: date.optional(),
    started_at: date.optional(),
    training_file: z.string().optional(),
    validation_file: z.string().optional(),
    n_epochs: z.number().int().optional(),
    n_checkpoints: z.number().int().optional(),
    n_evals: z.number().int().optional(),
    batch_size: z.union([z.number().int(), z.literal('max')]).optional(),
    learning_rate: z.number().optional(),
    warmup_ratio: z.number().optional(),
    weight_decay: z.number().optional(),
    max_grad_norm: z.number().optional(),
    training_type: trainingTypeSchema.optional(),
    training_method: trainingMethodSchema.optional(),
    suffix: z.string().optional(),
    from_checkpoint: z.string().optional(),
    from_hf_model: z.string().optional(),
    token_count: z.number().optional(),
    total_price: z.number().optional(),
    wandb_url: z.string().optional(),
    early_stopped: z.boolean().optional(),
    early_stopping_best_step: z.number().int().optional(),
    events: z.array(wireEventSchema).optional(),
  })
  .transform((j) => {
    const ended = TOGETHER_TERMINAL.has(j.status);
    const lora = j.training_type?.type === 'Lora' ? j.training_type : null;
    const method = j.training_method ?? { method: 'sft' as const };
    const errorEvent = j.status === 'error' ? j.events?.findLast((e) => e.level === 'error') : undefined;
    const totalSteps = j.events?.findLast((e) => e.total_steps !== undefined && e.total_steps > 0)?.total_steps;
    return {
      id: j.id,
      name: j.model_output_name ?? j.id,
      baseModelId: j.model,
      baseModelName: j.model,
      status: gatewayStatus(j.status, trainingStarted(j)),
      upstreamStatus: j.status,
      createdAt: j.created_at,
      startedAt: j.started_at ?? null,
      completedAt: ended ? (j.updated_at ?? null) : null,
      error: j.status === 'error' ? { code: 'job_error', message: errorEvent?.message ?? null } : null,
      trainingFileId: j.training_file ?? null,
      validationFileId: j.validation_file ?? null,
      outputModelName: j.model_output_name ?? null,
      hyperparameters: {
        nEpochs: j.n_epochs ?? null,
        nEvals: j.n_evals ?? null,
        nCheckpoints: j.n_checkpoints ?? null,
        batchSize: j.batch_size ?? null,
        learningRate: j.learning_rate ?? null,
        warmupRatio: j.warmup_ratio ?? null,
        weightDecay: j.weight_decay ?? null,
        maxGradNorm: j.max_grad_norm ?? null,
        trainingType: j.training_type?.type === 'Full' ? ('full' as const) : ('lora' as const),
        lora:
          lora === null
            ? null
            : {
                enabled: true,
                r: lora.lora_r,
                alpha: lora.lora_alpha,
                dropout: lora.lora_dropout ?? 0,
                trainableModules: (lora.lora_trainable_modules ?? 'all-linear').split(',').map((m) => m.trim()),
              },
        method: method.method,
        trainOnInputs: method.method === 'sft' ? (method.train_on_inputs ?? null) : null,
        dpoBeta: method.method === 'dpo' ? (method.dpo_beta ?? null) : null,
      },
      suffix: j.suffix ?? null,
      fromCheckpoint: j.from_checkpoint ?? null,
      fromHfModel: j.from_hf_model ?? null,
      tokenCount: j.token_count ?? null,
      trainingSteps: totalSteps ?? null,
      totalPriceUsd: j.total_price === undefined ? null : j.total_price / NANODOLLARS_PER_USD,
      wandbUrl: j.wandb_url ?? null,
      earlyStopped: j.early_stopped ?? false,
      earlyStoppingBestStep: j.early_stopping_best_step ?? null,
    };
  });
export type TogetherJob = z.output<typeof togetherJobSchema>;

export const jobListSchema = z.object({ data: z.array(togetherJobSchema) });
export const jobDeletedSchema = z.object({ message: z.string().optional() });
