/**
 * The choices in effect on the new-job form: the user's picks where they still apply, guesses
 * elsewhere. A pick that no longer applies (a column the new file lacks, a batch size the model does not
 * take) gives way to the guess without being forgotten: pick the model back and the batch size returns.
 * The batch size's guess is the provider's default for the model (its `hyperparameterLimits`).
 *
 * A dataset's columns (Nscale, where a job names them and the gateway takes none unasked) are guessed only
 * where the header leaves no doubt, as Together's are (csv-header.ts): the answer is the one column named
 * `answer` or `completion`, the prompt the one named `prompt` or `question` (none when it has neither, as
 * Nscale's prompt is optional). Otherwise the picker waits for the user, and nothing is checked, priced
 * or made until they choose (job-input.ts).
 */
import { onlyColumn } from './csv-header';
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
  /** "" for none; null while the user has to choose (the header has several prompt-like columns). */
  promptColumn: string | null;
  /** "" while the user has to choose. */
  answerColumn: string;
}

/** The column names taken unasked for a dataset's answer and prompt, where the header has one of them. */
const ANSWER_NAMES = ['answer', 'completion'];
const PROMPT_NAMES = ['prompt', 'question'];

function guessedPrompt(names: readonly string[]): string | null {
  return names.some((name) => PROMPT_NAMES.includes(name)) ? onlyColumn(names, PROMPT_NAMES) : '';
}

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
    answerColumn: answer !== null && names.includes(answer) ? answer : (onlyColumn(names, ANSWER_NAMES) ?? ''),
    promptColumn: prompt !== null && (prompt === '' || names.includes(prompt)) ? prompt : guessedPrompt(names),
  };
}
