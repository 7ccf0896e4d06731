/**
 * The job as GraphQL takes it (`CreateJobInput`), or null while something it needs is missing; and the
 * problems the form finds itself (a box that is not a number, or outside the chosen model's limits),
 * which keep it from being sent. The gateway checks the rest and answers each problem with its field.
 */
import type { CreateJobInput, HyperparametersInput, LoraInput } from '../gql/graphql';
import type { FormChoices } from './derive-form';
import { fieldPath, HYPERPARAMETER_FIELDS, limitOf, limitProblem } from './hyperparameter-fields';
import { fileStem, type NewJobState } from './new-job-state';
import type { Problems } from './problems';

export interface JobInput {
  input: CreateJobInput | null;
  local: Problems;
}

function hyperparametersOf(state: NewJobState, form: FormChoices): { value: HyperparametersInput; local: Problems } {
  const local: Record<string, string[]> = {};
  const value: HyperparametersInput = { batchSize: form.batchSize };
  const lora: LoraInput = {};
  const limits = form.model?.hyperparameterLimits ?? null;
  for (const field of HYPERPARAMETER_FIELDS) {
    const path = fieldPath(field);
    const text = state.hyperparameters[path]?.trim();
    if (!text) continue;
    const problem = limitProblem(path, text, limits && limitOf(limits, field), form.model?.name ?? '');
    if (problem) local[path] = [problem];
    else if (field.group === 'lora') lora[field.key] = Number(text);
    else value[field.key] = Number(text);
  }
  if (Object.keys(lora).length) value.lora = lora;
  return { value, local };
}

/**
 * What the job trains on: a dataset made of the uploads (its id once made), or, on a provider without
 * datasets (Together), the uploaded files themselves, whose samples were read from their columns on upload.
 */
export type TrainingSource = { kind: 'dataset'; id: string | null } | { kind: 'files' };

function dataOf(
  state: NewJobState,
  form: FormChoices,
  source: TrainingSource,
): Pick<CreateJobInput, 'dataset' | 'files'> | null {
  if (source.kind === 'files') {
    if (!state.training) return null;
    return { files: { trainingFileId: state.training.file.id, validationFileId: state.validation?.file.id ?? null } };
  }
  if (!source.id || !form.answerColumn || form.promptColumn === null) return null;
  return { dataset: { id: source.id, answerColumn: form.answerColumn, promptColumn: form.promptColumn || null } };
}

/**
 * A dataset's columns the header left to the user (derive-form.ts) and they have not chosen yet: until
 * they do, nothing is checked, priced or made (a local problem keeps the estimate's button off).
 */
function columnsToChoose(form: FormChoices, source: TrainingSource): Problems {
  if (source.kind !== 'dataset' || !form.columns) return {};
  const local: Record<string, string[]> = {};
  if (!form.answerColumn)
    local['dataset.answerColumn'] = [
      'Choose the answer column: the header has no single column named "answer" or "completion".',
    ];
  if (form.promptColumn === null)
    local['dataset.promptColumn'] = [
      'Choose the prompt column (or none): the header has both "prompt" and "question".',
    ];
  return local;
}

export function jobInput(state: NewJobState, form: FormChoices, source: TrainingSource): JobInput {
  const hyperparameters = hyperparametersOf(state, form);
  const local = { ...hyperparameters.local, ...columnsToChoose(form, source) };
  const data = dataOf(state, form, source);
  if (!data || !form.baseModelId) return { input: null, local };
  const input: CreateJobInput = {
    name: state.name.trim() || (state.training ? fileStem(state.training.file.name) : '') || 'job',
    baseModelId: form.baseModelId,
    ...data,
    hyperparameters: hyperparameters.value,
  };
  return { input, local };
}

/** Number of a box, for the pre-flight check; undefined when empty (the default applies). */
export function typedNumber(state: NewJobState, path: keyof NewJobState['hyperparameters']): number | undefined {
  const text = state.hyperparameters[path]?.trim();
  return text ? Number(text) : undefined;
}
