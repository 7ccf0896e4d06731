/**
 * The hyperparameters the form offers as boxes, each with the contract's rule (range and default) for
 * its hint: the same rules the gateway checks, from the contract's browser entry.
 */
import { HYPERPARAMETER_RULES, LORA_RULES, type NumericRule } from '#contract/browser';
import type { HyperparameterKey, LoraKey, NumericFieldPath } from './field-path';

export type HyperparameterField = { label: string; rule: NumericRule } & (
  { group: 'hyperparameters'; key: HyperparameterKey } | { group: 'lora'; key: LoraKey }
);

export const HYPERPARAMETER_FIELDS: readonly HyperparameterField[] = [
  { group: 'hyperparameters', key: 'nEpochs', label: 'Epochs', rule: HYPERPARAMETER_RULES.nEpochs },
  { group: 'hyperparameters', key: 'nEvals', label: 'Evaluations', rule: HYPERPARAMETER_RULES.nEvals },
  { group: 'hyperparameters', key: 'learningRate', label: 'Learning rate', rule: HYPERPARAMETER_RULES.learningRate },
  { group: 'hyperparameters', key: 'warmupRatio', label: 'Warmup ratio', rule: HYPERPARAMETER_RULES.warmupRatio },
  { group: 'hyperparameters', key: 'weightDecay', label: 'Weight decay', rule: HYPERPARAMETER_RULES.weightDecay },
  { group: 'lora', key: 'r', label: 'LoRA rank (r)', rule: LORA_RULES.r },
  { group: 'lora', key: 'alpha', label: 'LoRA alpha', rule: LORA_RULES.alpha },
  { group: 'lora', key: 'dropout', label: 'LoRA dropout', rule: LORA_RULES.dropout },
];

export function fieldPath(field: HyperparameterField): NumericFieldPath {
  return field.group === 'lora' ? `hyperparameters.lora.${field.key}` : `hyperparameters.${field.key}`;
}

export function hint(rule: NumericRule): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  const range = rule.max === undefined ? `≥ ${rule.min}` : `from ${rule.min} to ${rule.max}`;
  return `${kind} ${range}; default ${rule.default}`;
}
