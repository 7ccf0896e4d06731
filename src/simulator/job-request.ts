/**
 * Validation of the `POST /jobs` body into a complete job request, defaults applied. Each refusal
 * names the field path, echoes the value and states the rule (rules from src/contract, shared with
 * the gateway). The first problem found is reported.
 *
 * Unknown fields are ignored, not refused: the live service grew fields over time (mask_prompt_labels)
 * and a client one version ahead must keep working.
 *
 * Older field names (the seed's curl example) are accepted:
 * - `evaluation_epochs` is the older name of `n_evals` (same meaning, same rule);
 * - `warmup_epochs` becomes `warmup_ratio = warmup_epochs / n_epochs`: both say how much of the run
 *   warms up, one in epochs and one as a share of steps, so it must lie between 0 and n_epochs.
 * Giving both names of one setting with different values is refused rather than guessed.
 */
import type { BaseModelSeed } from './seed-base-models.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_BEST_CHECKPOINTS,
  DEFAULT_LORA_ENABLED,
  DEFAULT_MASK_PROMPT_LABELS,
  DEFAULT_TRAINABLE_MODULES,
  HYPERPARAMETER_RULES,
  LORA_RULES,
  TRAINABLE_MODULES,
  describeBatchSizes,
  describeRule,
  satisfiesRule,
  type NumericRule,
  type TrainableModule,
} from '../contract/hyperparameters.js';
import { invalidArgument, show } from './api-error.js';
import type { OrgState, StoredDataset, StoredFile } from './store.js';

export interface WireHyperparameters {
  n_epochs: number;
  n_evals: number;
  batch_size: number;
  learning_rate: number;
  warmup_ratio: number;
  weight_decay: number;
  best_checkpoints: boolean;
  mask_prompt_labels: boolean;
  lora: { enabled: true; r: number; alpha: number; dropout: number; trainable_modules: TrainableModule[] };
}

export interface JobRequest {
  name: string;
  dryRun: boolean;
  baseModel: BaseModelSeed;
  dataset: { id: string; prompt_column: string | null; answer_column: string };
  trainingFile: StoredFile;
  validationFile: StoredFile | null;
  hyperparameters: WireHyperparameters;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown): boolean => v === undefined || v === null;

function numberAt(obj: Obj, key: string, rule: NumericRule, path: string): number {
  const value = obj[key];
  if (absent(value)) return rule.default;
  if (typeof value !== 'number' || !satisfiesRule(rule, value)) {
    throw invalidArgument(`${path}: ${show(value)} is not ${describeRule(rule)}`);
  }
  return value;
}

function booleanAt(obj: Obj, key: string, fallback: boolean, path: string): boolean {
  const value = obj[key];
  if (absent(value)) return fallback;
  if (typeof value !== 'boolean') throw invalidArgument(`${path}: ${show(value)} is not a boolean`);
  return value;
}

function stringAt(obj: Obj, key: string, path: string, required: true): string;
function stringAt(obj: Obj, key: string, path: string, required: false): string | null;
function stringAt(obj: Obj, key: string, path: string, required: boolean): string | null {
  const value = obj[key];
  if (absent(value)) {
    if (required) throw invalidArgument(`${path}: required, a non-empty string`);
    return null;
  }
  if (typeof value !== 'string' || value.trim() === '')
    throw invalidArgument(`${path}: ${show(value)} is not a non-empty string`);
  return value;
}

function objectAt(obj: Obj, key: string, path: string): Obj {
  const value = obj[key];
  if (absent(value)) return {};
  if (!isObject(value)) throw invalidArgument(`${path}: ${show(value)} is not an object`);
  return value;
}

function trainableModules(lora: Obj): TrainableModule[] {
  const raw = lora['trainable_modules'];
  if (absent(raw)) return [...DEFAULT_TRAINABLE_MODULES];
  // The seed describes the list as "separated by a comma": accept that spelling too.
  const list =
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((m) => m.trim())
          .filter((m) => m !== '')
      : raw;
  if (!Array.isArray(list))
    throw invalidArgument(`hyperparameters.lora.trainable_modules: ${show(raw)} is not a list of module names`);
  const allowed: readonly string[] = TRAINABLE_MODULES;
  list.forEach((module, i) => {
    if (typeof module !== 'string' || !allowed.includes(module)) {
      throw invalidArgument(
        `hyperparameters.lora.trainable_modules[${i}]: ${show(module)} is not one of ${TRAINABLE_MODULES.join(', ')}`,
      );
    }
  });
  return [...new Set(list as TrainableModule[])];
}

function hyperparameters(body: Obj, model: BaseModelSeed): WireHyperparameters {
  const hp = objectAt(body, 'hyperparameters', 'hyperparameters');
  const at = (key: string): string => `hyperparameters.${key}`;
  const n_epochs = numberAt(hp, 'n_epochs', HYPERPARAMETER_RULES.nEpochs, at('n_epochs'));

  let n_evals = numberAt(hp, 'n_evals', HYPERPARAMETER_RULES.nEvals, at('n_evals'));
  if (!absent(hp['evaluation_epochs'])) {
    const older = numberAt(hp, 'evaluation_epochs', HYPERPARAMETER_RULES.nEvals, at('evaluation_epochs'));
    if (!absent(hp['n_evals']) && older !== n_evals) {
      throw invalidArgument(
        `${at('evaluation_epochs')}: ${older} conflicts with n_evals ${n_evals} (evaluation_epochs is the older name of n_evals)`,
      );
    }
    n_evals = older;
  }

  let warmup_ratio = numberAt(hp, 'warmup_ratio', HYPERPARAMETER_RULES.warmupRatio, at('warmup_ratio'));
  if (!absent(hp['warmup_epochs'])) {
    const rule: NumericRule = { wire: 'warmup_epochs', integer: false, min: 0, max: n_epochs, default: 0 };
    const ratio = numberAt(hp, 'warmup_epochs', rule, at('warmup_epochs')) / n_epochs;
    if (!absent(hp['warmup_ratio']) && Math.abs(ratio - warmup_ratio) > 1e-9) {
      throw invalidArgument(
        `${at('warmup_epochs')}: ${show(hp['warmup_epochs'])} conflicts with warmup_ratio ${warmup_ratio}; give one of them`,
      );
    }
    warmup_ratio = ratio;
  }

  const batch_size = hp['batch_size'] ?? DEFAULT_BATCH_SIZE;
  if (typeof batch_size !== 'number' || !model.supportedBatchSizes.includes(batch_size)) {
    throw invalidArgument(
      `${at('batch_size')}: ${show(batch_size)} is not one of ${describeBatchSizes(model.supportedBatchSizes)} for ${model.name}`,
    );
  }

  const lora = objectAt(hp, 'lora', at('lora'));
  if (!booleanAt(lora, 'enabled', DEFAULT_LORA_ENABLED, at('lora.enabled'))) {
    throw invalidArgument(
      `${at('lora.enabled')}: false is refused: full model fine-tuning is not supported yet; only LoRA`,
    );
  }
  return {
    n_epochs,
    n_evals,
    batch_size,
    learning_rate: numberAt(hp, 'learning_rate', HYPERPARAMETER_RULES.learningRate, at('learning_rate')),
    warmup_ratio,
    weight_decay: numberAt(hp, 'weight_decay', HYPERPARAMETER_RULES.weightDecay, at('weight_decay')),
    best_checkpoints: booleanAt(hp, 'best_checkpoints', DEFAULT_BEST_CHECKPOINTS, at('best_checkpoints')),
    mask_prompt_labels: booleanAt(hp, 'mask_prompt_labels', DEFAULT_MASK_PROMPT_LABELS, at('mask_prompt_labels')),
    lora: {
      enabled: true,
      r: numberAt(lora, 'r', LORA_RULES.r, at('lora.r')),
      alpha: numberAt(lora, 'alpha', LORA_RULES.alpha, at('lora.alpha')),
      dropout: numberAt(lora, 'dropout', LORA_RULES.dropout, at('lora.dropout')),
      trainable_modules: trainableModules(lora),
    },
  };
}

function requireColumn(column: string, path: string, file: StoredFile, role: string): void {
  if (!file.header.includes(column)) {
    throw invalidArgument(
      `${path}: ${show(column)} is not a column of the ${role} file ${file.id} (columns: ${file.header.join(', ')})`,
    );
  }
}

export function parseJobRequest(body: unknown, org: OrgState, models: readonly BaseModelSeed[]): JobRequest {
  if (!isObject(body)) throw invalidArgument('request body must be a JSON object');
  const name = stringAt(body, 'name', 'name', true);
  const dryRun = booleanAt(body, 'dry_run', false, 'dry_run');

  const modelId = stringAt(body, 'base_model_id', 'base_model_id', true);
  const baseModel = models.find((m) => m.id === modelId);
  if (baseModel === undefined)
    throw invalidArgument(`base_model_id: ${show(modelId)} is not a known base model (see GET /base-models)`);

  if (!isObject(body['dataset']))
    throw invalidArgument(`dataset: ${show(body['dataset'])} is not an object with id and answer_column`);
  const ds = body['dataset'];
  const datasetId = stringAt(ds, 'id', 'dataset.id', true);
  const dataset: StoredDataset | undefined = org.datasets.get(datasetId);
  if (dataset === undefined) throw invalidArgument(`dataset.id: no dataset ${show(datasetId)} in this organization`);
  const answer = stringAt(ds, 'answer_column', 'dataset.answer_column', true);
  const prompt = stringAt(ds, 'prompt_column', 'dataset.prompt_column', false);

  const trainingFile = org.files.get(dataset.trainingFileId);
  const validationFile = dataset.validationFileId === null ? null : org.files.get(dataset.validationFileId);
  if (trainingFile === undefined || validationFile === undefined) {
    throw invalidArgument(`dataset.id: the files of dataset ${show(datasetId)} are gone`);
  }
  for (const [file, role] of [
    [trainingFile, 'training'],
    [validationFile, 'validation'],
  ] as const) {
    if (file === null) continue;
    requireColumn(answer, 'dataset.answer_column', file, role);
    if (prompt !== null) requireColumn(prompt, 'dataset.prompt_column', file, role);
  }
  if (prompt === answer)
    throw invalidArgument(`dataset.prompt_column: ${show(prompt)} is also the answer_column; they must differ`);

  return {
    name,
    dryRun,
    baseModel,
    dataset: { id: datasetId, prompt_column: prompt, answer_column: answer },
    trainingFile,
    validationFile,
    hyperparameters: hyperparameters(body, baseModel),
  };
}
