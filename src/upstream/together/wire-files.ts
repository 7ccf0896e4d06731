/**
 * Together's files and models on the wire (docs/together-contract.md; the SDK's `FileResponse`,
 * `ModelObject`, `FinetuneModelLimits`), read into the gateway's shapes. Fields the gateway does not
 * use are left unread, so that Together adding one breaks nothing; the ones it uses are checked.
 */
import { z } from 'zod';

/** Unix seconds, as Together dates its files and metrics. */
export const unixSeconds = z.number().transform((s) => new Date(s * 1000));

export const togetherFileSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    bytes: z.number().int(),
    created_at: unixSeconds,
    purpose: z.string(),
    FileType: z.string(),
    Processed: z.boolean().optional(),
    processing_status: z.string().optional(),
    validation_report: z
      .object({
        valid: z.boolean(),
        nlines: z.number().int().optional(),
        dataset_format: z.string().optional(),
        error: z.string().optional(),
      })
      .optional(),
  })
  .transform((f) => ({
    id: f.id,
    name: f.filename,
    bytes: f.bytes,
    createdAt: f.created_at,
    /** Together has no workspaces: the key names the account. */
    workspaceId: null,
    /** Columns are a CSV notion; Together's fine-tuning files are JSONL. */
    columns: null,
    purpose: f.purpose,
    fileType: f.FileType,
    /** `PENDING` until the bytes arrived, then `COMPLETED` or `INVALID_FORMAT`. */
    processingStatus: f.processing_status ?? (f.Processed === true ? 'COMPLETED' : 'PENDING'),
    valid: f.validation_report?.valid ?? null,
    lines: f.validation_report?.nlines ?? null,
    datasetFormat: f.validation_report?.dataset_format?.toLowerCase() ?? null,
    validationError: f.validation_report?.error ?? null,
  }));
export type TogetherFile = z.output<typeof togetherFileSchema>;

export const fileListSchema = z.object({ data: z.array(togetherFileSchema) });
export const fileDeletedSchema = z.object({ id: z.string(), deleted: z.boolean() });

export const modelSchema = z.object({
  id: z.string(),
  display_name: z.string().optional(),
  organization: z.string().optional(),
  context_length: z.number().int().optional(),
  type: z.string().optional(),
  pricing: z.object({ finetune: z.number().optional() }).partial().optional(),
});
export type WireModel = z.output<typeof modelSchema>;
export const modelListSchema = z.array(modelSchema);

const batchRange = {
  min_batch_size: z.number().int(),
  max_batch_size: z.number().int(),
  max_batch_size_dpo: z.number().int(),
};

export const modelLimitsSchema = z
  .object({
    model_name: z.string(),
    max_num_epochs: z.number().int(),
    max_num_evals: z.number().int(),
    max_num_checkpoints: z.number().int(),
    min_learning_rate: z.number(),
    max_learning_rate: z.number(),
    max_seq_length_sft: z.number().int().optional(),
    max_seq_length_dpo: z.number().int().optional(),
    min_max_seq_length: z.number().int().optional(),
    supports_full_training: z.boolean().optional(),
    lora_training: z.object({ ...batchRange, max_rank: z.number().int(), target_modules: z.array(z.string()) }),
    full_training: z.object(batchRange).optional(),
  })
  .transform((l) => {
    // The SDK documents zeros for a model without full training.
    const full = l.full_training;
    const fullRange =
      l.supports_full_training === false || full === undefined || full.max_batch_size === 0
        ? null
        : { min: full.min_batch_size, max: full.max_batch_size, maxDpo: full.max_batch_size_dpo };
    return {
      modelName: l.model_name,
      maxEpochs: l.max_num_epochs,
      maxEvals: l.max_num_evals,
      maxCheckpoints: l.max_num_checkpoints,
      learningRate: { min: l.min_learning_rate, max: l.max_learning_rate },
      maxSeqLength: { sft: l.max_seq_length_sft ?? null, dpo: l.max_seq_length_dpo ?? null },
      minMaxSeqLength: l.min_max_seq_length ?? null,
      lora: {
        min: l.lora_training.min_batch_size,
        max: l.lora_training.max_batch_size,
        maxDpo: l.lora_training.max_batch_size_dpo,
        maxRank: l.lora_training.max_rank,
        targetModules: l.lora_training.target_modules,
      },
      full: fullRange,
    };
  });
export type TogetherModelLimits = z.output<typeof modelLimitsSchema>;
