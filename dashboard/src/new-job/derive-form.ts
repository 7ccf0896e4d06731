/**
 * The choices in effect on the new-job form: the user's picks where they still apply, guesses
 * elsewhere. A pick that no longer applies (a column the new file lacks, a batch size the model does not
 * take) gives way to the guess without being forgotten: pick the model back and the batch size returns.
 * The batch size's guess is the provider's default for the model (its `hyperparameterLimits`).
 */
import type { BaseModel } from './use-base-models';
import type { NewJobState } from './new-job-state';

export interface FormChoices {
  model: BaseModel | undefined;
  baseModelId: string;
  batchSizes: readonly number[];
  /** Null while no model is known. */
  batchSize: number | null;
  /** The training file's columns; null before it is uploaded or read. */
  columns: readonly string[] | null;
  /** "" for none. */
  promptColumn: string;
  answerColumn: string;
}

const ANSWER_LIKE = /answer|completion|response|output/i;
const PROMPT_LIKE = /prompt|question|input|instruction/i;

export function deriveForm(state: NewJobState, models: readonly BaseModel[]): FormChoices {
  const model = models.find((m) => m.id === state.baseModelId) ?? models[0];
  const batchSizes = model?.supportedBatchSizes ?? [];
  const byDefault = model?.hyperparameterLimits?.batchSize.default;
  const taken = (size: number | null | undefined): size is number => size != null && batchSizes.includes(size);
  const columns = state.training?.file.columns?.map((c) => c.name) ?? null;
  const names = columns ?? [];
  const answer = state.answerColumn;
  const prompt = state.promptColumn;
  return {
    model,
    baseModelId: model?.id ?? '',
    batchSizes,
    batchSize: [state.batchSize, byDefault, batchSizes[0]].find(taken) ?? null,
    columns,
    answerColumn:
      answer !== null && names.includes(answer)
        ? answer
        : (names.find((n) => ANSWER_LIKE.test(n)) ?? names.at(-1) ?? ''),
    promptColumn:
      prompt !== null && (prompt === '' || names.includes(prompt))
        ? prompt
        : (names.find((n) => PROMPT_LIKE.test(n)) ?? ''),
  };
}
