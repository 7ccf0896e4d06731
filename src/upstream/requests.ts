/**
 * Request bodies, camelCase in and snake_case on the wire, in the newer generation of the contract's
 * names (`n_evals`, `warmup_ratio`; never `evaluation_epochs`, `warmup_epochs`).
 *
 * The client sends what it is given: a field left undefined is left out, since the contract makes each
 * optional. It fills no default: the gateway's defaults have one owner, its GraphQL input
 * (src/schema/hyperparameters.ts), and the gateway always passes a complete job. `null` for an
 * optional id is sent as null, meaning "none".
 */
import type { CreateDatasetInput, CreateJobInput, HuggingFaceExportInput } from './schemas.js';

type Wire = Record<string, unknown>;

/** Copies the entries whose value is not undefined, so JSON shows only what the caller set. */
function defined(entries: Record<string, unknown>): Wire {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
}

export function createJobBody(input: CreateJobInput, dryRun: boolean): Wire {
  const h = input.hyperparameters;
  const lora = h?.lora;
  return defined({
    name: input.name,
    base_model_id: input.baseModelId,
    dry_run: dryRun,
    dataset: defined({
      id: input.dataset.id,
      prompt_column: input.dataset.promptColumn ?? undefined,
      answer_column: input.dataset.answerColumn,
    }),
    hyperparameters:
      h === undefined
        ? undefined
        : defined({
            n_epochs: h.nEpochs,
            n_evals: h.nEvals,
            batch_size: h.batchSize,
            learning_rate: h.learningRate,
            warmup_ratio: h.warmupRatio,
            weight_decay: h.weightDecay,
            best_checkpoints: h.bestCheckpoints,
            mask_prompt_labels: h.maskPromptLabels,
            lora:
              lora === undefined
                ? undefined
                : defined({
                    enabled: lora.enabled,
                    r: lora.r,
                    alpha: lora.alpha,
                    dropout: lora.dropout,
                    trainable_modules: lora.trainableModules,
                  }),
          }),
  });
}

export function createDatasetBody(input: CreateDatasetInput): Wire {
  return defined({
    name: input.name,
    training_file_id: input.trainingFileId,
    validation_file_id: input.validationFileId,
  });
}

export function huggingFaceExportBody(input: HuggingFaceExportInput): Wire {
  return {
    huggingface_user_id: input.userId,
    huggingface_access_token: input.accessToken,
    huggingface_repository_id: input.repositoryId,
  };
}
