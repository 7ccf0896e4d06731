/**
 * The limits a fine-tune is checked against, and their wire form for `GET /fine-tunes/models/limits`.
 * The per-model numbers live in the catalogue (`models.ts`); these are the same for every model.
 */
import type { FinetuneModelLimits } from 'together-ai/resources/fine-tuning';
import type { BatchRange, FineTuneModel } from './models.js';
import type { TrainingKind } from './pricing.js';

export const LIMITS = {
  maxEpochs: 20,
  maxEvals: 100,
  maxCheckpoints: 20,
  minLearningRate: 1e-7,
  maxLearningRate: 1,
  minMaxSeqLength: 512,
  defaultGradientAccumulationSteps: 1,
} as const;

export function batchRange(model: FineTuneModel, kind: TrainingKind): { min: number; max: number } | null {
  const range: BatchRange | null = kind.type === 'Full' ? model.full : model.lora;
  if (range === null) return null;
  return { min: range.min, max: kind.method === 'dpo' ? range.maxDpo : range.max };
}

export function wireModelLimits(model: FineTuneModel) {
  const body = {
    model_name: model.name,
    max_num_epochs: LIMITS.maxEpochs,
    max_num_evals: LIMITS.maxEvals,
    max_num_checkpoints: LIMITS.maxCheckpoints,
    min_learning_rate: LIMITS.minLearningRate,
    max_learning_rate: LIMITS.maxLearningRate,
    max_seq_length_sft: model.maxSeqLengthSft,
    max_seq_length_dpo: model.maxSeqLengthDpo,
    min_max_seq_length: LIMITS.minMaxSeqLength,
    default_gradient_accumulation_steps: LIMITS.defaultGradientAccumulationSteps,
    merge_output_lora: true,
    supports_full_training: model.full !== null,
    supports_vision: false,
    supports_tools: model.supportsTools,
    supports_reasoning: model.supportsReasoning,
    lora_training: {
      min_batch_size: model.lora.min,
      max_batch_size: model.lora.max,
      max_batch_size_dpo: model.lora.maxDpo,
      max_rank: model.lora.maxRank,
      target_modules: [...model.lora.targetModules],
    },
    // The SDK documents zeros for a model without full training.
    full_training: {
      min_batch_size: model.full?.min ?? 0,
      max_batch_size: model.full?.max ?? 0,
      max_batch_size_dpo: model.full?.maxDpo ?? 0,
    },
  } satisfies FinetuneModelLimits;
  return body;
}
