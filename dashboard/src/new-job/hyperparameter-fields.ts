/**
 * The hyperparameters the form offers as boxes, each with its limit on the chosen base model for its
 * hint and the form's own check: the limits the gateway checks on this provider, as it sends them with
 * the model (`BaseModel.hyperparameterLimits`: Nscale's fixed rules, each Together model's own), checked
 * with the contract's `satisfiesLimit`. Where the gateway gave none, the form says so and checks nothing.
 */
import { describeLimit, satisfiesLimit, type NumericLimit } from '#contract/browser';
import type { HyperparameterKey, LoraKey, NumericFieldPath } from './field-path';
import type { BaseModel } from './use-base-models';

/** A model's limits, as the gateway sent them (`BaseModel.hyperparameterLimits`, where it sent any). */
export type ModelLimits = NonNullable<BaseModel['hyperparameterLimits']>;

/** The settings typed in a box: those the limits cover (so a box without a limit does not compile). */
type BoxKey = HyperparameterKey & keyof ModelLimits;

export type HyperparameterField = { label: string } & (
  { group: 'hyperparameters'; key: BoxKey } | { group: 'lora'; key: LoraKey & keyof ModelLimits['lora'] }
);

export const HYPERPARAMETER_FIELDS: readonly HyperparameterField[] = [
  { group: 'hyperparameters', key: 'nEpochs', label: 'Epochs' },
  { group: 'hyperparameters', key: 'nEvals', label: 'Evaluations' },
  { group: 'hyperparameters', key: 'learningRate', label: 'Learning rate' },
  { group: 'hyperparameters', key: 'warmupRatio', label: 'Warmup ratio' },
  { group: 'hyperparameters', key: 'weightDecay', label: 'Weight decay' },
  { group: 'lora', key: 'r', label: 'LoRA rank (r)' },
  { group: 'lora', key: 'alpha', label: 'LoRA alpha' },
  { group: 'lora', key: 'dropout', label: 'LoRA dropout' },
];

export function fieldPath(field: HyperparameterField): NumericFieldPath {
  return field.group === 'lora' ? `hyperparameters.lora.${field.key}` : `hyperparameters.${field.key}`;
}

export function limitOf(limits: ModelLimits, field: HyperparameterField): NumericLimit {
  return field.group === 'lora' ? limits.lora[field.key] : limits[field.key];
}

/** "a whole number from 1 to 20; default 1", "a number from 0 up to (not including) 1; default 0". */
export function hint(limit: NumericLimit): string {
  const kind = limit.integer ? 'a whole number' : 'a number';
  const top = limit.maxExclusive ? 'up to (not including)' : 'to';
  const range = limit.max === null ? `≥ ${limit.min}` : `from ${limit.min} ${top} ${limit.max}`;
  return `${kind} ${range}; default ${limit.default}`;
}

/** The problem with a typed number, if any: in the gateway's words, naming the field, the value and the limit. */
export function limitProblem(
  path: NumericFieldPath,
  text: string,
  limit: NumericLimit | null,
  model: string,
): string | null {
  const number = Number(text);
  if (!Number.isFinite(number)) return `${path}: ${JSON.stringify(text)} is not a number`;
  if (limit === null) return null;
  if (limit.integer && !Number.isInteger(number)) return `${path}: ${text} is not a whole number`;
  if (!satisfiesLimit(limit, number)) return `${path}: ${text} is not ${describeLimit(limit)} for ${model}`;
  return null;
}
