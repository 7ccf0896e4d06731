/**
 * Wire shapes of the upstream REST contract, parsed with zod into the camelCase types the rest of
 * the gateway uses (losses as numbers, dates as Dates). A response that does not match fails with an
 * error naming the path (see `parseResponse` in parse-response.ts), not with a crash somewhere later.
 */
import { z } from 'zod';

/**
 * ISO-8601 timestamps with fractional seconds of any length ("2026-01-14T14:57:45.376538Z"). The
 * shape is checked before `new Date`, which would otherwise read "5" as May 2001.
 */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const timestamp = z.string().transform((value, ctx) => {
  const date = new Date(value);
  if (!ISO_TIMESTAMP.test(value) || Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: `not an ISO-8601 timestamp: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return date;
});

/**
 * A loss or perplexity as the wire sends it: a string ("1.234"), sometimes a number. "NaN", "inf"
 * and "-inf" (a diverged run) become null rather than an error: the point still exists.
 */
const wireNumber = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const n =
    typeof value === 'number'
      ? value
      : Number(
          value
            .trim()
            .toLowerCase()
            .replace(/^([+-]?)inf(inity)?$/, '$1Infinity'),
        );
  if (typeof value === 'string' && value.trim() === '') {
    ctx.addIssue({ code: 'custom', message: 'empty string where a number was expected' });
    return z.NEVER;
  }
  if (Number.isNaN(n) && typeof value === 'string' && !/^\s*[+-]?nan\s*$/i.test(value)) {
    ctx.addIssue({ code: 'custom', message: `not a number: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return Number.isFinite(n) ? n : null;
});

export const baseModelSchema = z
  .object({
    id: z.string(),
    organization: z.string(),
    name: z.string(),
    context_length: z.number().int(),
    supported_batch_sizes: z.array(z.number().int()),
    training_precision: z.string(),
  })
  .transform((m) => ({
    id: m.id,
    organization: m.organization,
    name: m.name,
    contextLength: m.context_length,
    supportedBatchSizes: m.supported_batch_sizes,
    trainingPrecision: m.training_precision,
  }));
export type BaseModel = z.output<typeof baseModelSchema>;

export const fileColumnSchema = z.object({
  name: z.string(),
  type: z.string(),
  values: z.array(z.unknown()).transform((values) => values.map((v) => (v === null ? null : String(v)))),
});

export const fileSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    bytes: z.number().int(),
    created_at: timestamp,
    workspace_id: z.string(),
    columns: z.array(fileColumnSchema).nullable(),
  })
  .transform((f) => ({
    id: f.id,
    name: f.name,
    bytes: f.bytes,
    createdAt: f.created_at,
    workspaceId: f.workspace_id,
    columns: f.columns,
  }));
export type UpstreamFile = z.output<typeof fileSchema>;
export type FileColumn = z.output<typeof fileColumnSchema>;

export const datasetSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    training_file_id: z.string(),
    validation_file_id: z.string().nullable(),
    created_at: timestamp,
    workspace_id: z.string(),
  })
  .transform((d) => ({
    id: d.id,
    name: d.name,
    trainingFileId: d.training_file_id,
    validationFileId: d.validation_file_id,
    createdAt: d.created_at,
    workspaceId: d.workspace_id,
  }));
export type Dataset = z.output<typeof datasetSchema>;

/**
 * The wire's enums, spelled out here rather than imported from src/contract (which the simulator
 * uses): if the simulator's statuses or modules drift from these, test/upstream/wire-enums.spec.ts
 * fails, instead of both sides silently agreeing on a changed list.
 */
export const jobStatusSchema = z.enum(['queued', 'starting', 'running', 'completed', 'failed', 'cancelled']);
export type JobStatus = z.output<typeof jobStatusSchema>;

export const trainableModuleSchema = z.enum([
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
]);

const loraSchema = z
  .object({
    enabled: z.boolean(),
    r: z.number().int(),
    alpha: z.number().int(),
    dropout: z.number(),
    trainable_modules: z.array(trainableModuleSchema),
  })
  .transform((l) => ({
    enabled: l.enabled,
    r: l.r,
    alpha: l.alpha,
    dropout: l.dropout,
    trainableModules: l.trainable_modules,
  }));

const hyperparametersSchema = z
  .object({
    n_epochs: z.number().int(),
    n_evals: z.number().int(),
    batch_size: z.number().int(),
    learning_rate: z.number(),
    warmup_ratio: z.number(),
    weight_decay: z.number(),
    best_checkpoints: z.boolean(),
    mask_prompt_labels: z.boolean().optional().default(false),
    lora: loraSchema,
  })
  .transform((h) => ({
    nEpochs: h.n_epochs,
    nEvals: h.n_evals,
    batchSize: h.batch_size,
    learningRate: h.learning_rate,
    warmupRatio: h.warmup_ratio,
    weightDecay: h.weight_decay,
    bestCheckpoints: h.best_checkpoints,
    maskPromptLabels: h.mask_prompt_labels,
    lora: h.lora,
  }));
export type Hyperparameters = z.output<typeof hyperparametersSchema>;
export type LoraConfig = Hyperparameters['lora'];

export const jobSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    base_model_id: z.string(),
    base_model_name: z.string(),
    dataset: z.object({ id: z.string(), prompt_column: z.string().nullable().optional(), answer_column: z.string() }),
    hyperparameters: hyperparametersSchema,
    status: jobStatusSchema,
    created_at: timestamp,
    started_at: timestamp.nullable(),
    completed_at: timestamp.nullable(),
    error: z.object({ code: z.string(), message: z.string().nullable() }).nullable().optional(),
  })
  .transform((j) => ({
    id: j.id,
    name: j.name,
    baseModelId: j.base_model_id,
    baseModelName: j.base_model_name,
    dataset: { id: j.dataset.id, promptColumn: j.dataset.prompt_column ?? null, answerColumn: j.dataset.answer_column },
    hyperparameters: j.hyperparameters,
    status: j.status,
    createdAt: j.created_at,
    startedAt: j.started_at,
    completedAt: j.completed_at,
    error: j.error ?? null,
  }));
export type Job = z.output<typeof jobSchema>;

export const metricPointSchema = z
  .object({
    step: z.number().int(),
    timestamp: timestamp,
    training_loss: wireNumber.nullable().optional(),
    validation_loss: wireNumber.nullable().optional(),
    perplexity: wireNumber.nullable().optional(),
  })
  .transform((p) => ({
    step: p.step,
    timestamp: p.timestamp,
    trainingLoss: p.training_loss ?? null,
    validationLoss: p.validation_loss ?? null,
    perplexity: p.perplexity ?? null,
  }));
export type MetricPoint = z.output<typeof metricPointSchema>;

export const metricsSchema = z
  .object({
    data: z.array(metricPointSchema).nullable(),
    training_steps: z.number().int().nullable().optional(),
    training_tokens: z.number().int().nullable().optional(),
    validation_steps: z.number().int().nullable().optional(),
  })
  .transform((m) => ({
    points: m.data ?? [],
    trainingSteps: m.training_steps ?? null,
    trainingTokens: m.training_tokens ?? null,
    validationSteps: m.validation_steps ?? null,
  }));
export type Metrics = z.output<typeof metricsSchema>;

export const createJobResponseSchema = z
  .object({
    dry_run: z.boolean(),
    estimated_usage: z.object({ cost: z.number(), tokens: z.number().int() }),
    job: jobSchema.nullable(),
  })
  .transform((r) => ({ dryRun: r.dry_run, estimatedUsage: r.estimated_usage, job: r.job }));
export type CreateJobResponse = z.output<typeof createJobResponseSchema>;

export const exportSchema = z
  .object({
    id: z.string(),
    job_id: z.string(),
    status: z.string(),
    huggingface_repository_id: z.string(),
    created_at: timestamp,
  })
  .transform((e) => ({
    id: e.id,
    jobId: e.job_id,
    status: e.status,
    repositoryId: e.huggingface_repository_id,
    createdAt: e.created_at,
  }));
export type HuggingFaceExport = z.output<typeof exportSchema>;

export const listSchema = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });
export const jobListSchema = z.object({ data: z.array(jobSchema), total: z.number().int() });

/** The contract's error envelope: `{ code, message }`, message a sentence or null. */
export const errorEnvelopeSchema = z.object({ code: z.string(), message: z.string().nullable().optional() });

// ---- Requests (camelCase in, snake_case on the wire: see client.ts) ----

export interface CreateJobInput {
  name: string;
  baseModelId: string;
  dataset: { id: string; promptColumn?: string | null; answerColumn: string };
  hyperparameters?: {
    nEpochs?: number;
    nEvals?: number;
    batchSize?: number;
    learningRate?: number;
    warmupRatio?: number;
    weightDecay?: number;
    bestCheckpoints?: boolean;
    maskPromptLabels?: boolean;
    lora?: { enabled?: boolean; r?: number; alpha?: number; dropout?: number; trainableModules?: string[] };
  };
}

export interface CreateDatasetInput {
  name: string;
  trainingFileId: string;
  validationFileId?: string | null;
}

export interface HuggingFaceExportInput {
  userId: string;
  accessToken: string;
  repositoryId: string;
}
