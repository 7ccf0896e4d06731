/**
 * The job as GraphQL takes it (`CreateJobInput`), or null while something it needs is missing; and the
 * problems the form finds itself (a box that is not a number, or not a whole one), which keep it from
 * being sent. The gateway checks the rest and answers each problem with its field.
 */
import type { CreateJobInput, HyperparametersInput, LoraInput } from '../gql/graphql';
import type { FormChoices } from './derive-form';
import { fieldPath, HYPERPARAMETER_FIELDS } from './hyperparameter-fields';
import { fileStem, type NewJobState } from './new-job-state';
import type { Problems } from './problems';

export interface JobInput {
  input: CreateJobInput | null;
  local: Problems;
}

function hyperparametersOf(state: NewJobState, batchSize: number): { value: HyperparametersInput; local: Problems } {
  const local: Record<string, string[]> = {};
  const value: HyperparametersInput = { batchSize };
  const lora: LoraInput = {};
  for (const field of HYPERPARAMETER_FIELDS) {
    const path = fieldPath(field);
    const text = state.hyperparameters[path]?.trim();
    if (!text) continue;
    const number = Number(text);
    if (!Number.isFinite(number)) local[path] = [`${path}: ${JSON.stringify(text)} is not a number`];
    else if (field.rule.integer && !Number.isInteger(number)) local[path] = [`${path}: ${text} is not a whole number`];
    else if (field.group === 'lora') lora[field.key] = number;
    else value[field.key] = number;
  }
  if (Object.keys(lora).length) value.lora = lora;
  return { value, local };
}

export function jobInput(state: NewJobState, form: FormChoices, datasetId: string | null): JobInput {
  const hyperparameters = hyperparametersOf(state, form.batchSize);
  if (!datasetId || !form.baseModelId || !form.answerColumn) return { input: null, local: hyperparameters.local };
  const input: CreateJobInput = {
    name: state.name.trim() || (state.training ? fileStem(state.training.file.name) : '') || 'job',
    baseModelId: form.baseModelId,
    dataset: { id: datasetId, answerColumn: form.answerColumn, promptColumn: form.promptColumn || null },
    hyperparameters: hyperparameters.value,
  };
  return { input, local: hyperparameters.local };
}

/** Number of a box, for the pre-flight check; undefined when empty (the default applies). */
export function typedNumber(state: NewJobState, path: keyof NewJobState['hyperparameters']): number | undefined {
  const text = state.hyperparameters[path]?.trim();
  return text ? Number(text) : undefined;
}
