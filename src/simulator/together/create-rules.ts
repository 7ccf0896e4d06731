/**
 * A fine-tune body checked against its model and the caller's files, the way the API refuses one:
 * 400 `invalid_request_error` naming the parameter (`param`) and the rule it breaks. The first
 * broken rule is reported. Which rule has which wording is ours; the rules are the SDK's and spec's.
 */
import { z } from 'zod';
import { invalidRequest } from './errors.js';
import { describeIssue } from './issue-messages.js';
import { createBodySchema, type CreateBody } from './create-schema.js';
import { checkContinuation } from './continuation.js';
import type { JobSettings, LoraSettings, MethodSettings } from './job-settings.js';
import { batchRange, LIMITS } from './model-limits.js';
import { findModel, type FineTuneModel } from './models.js';
import type { TrainingKind } from './pricing.js';
import type { AccountState, StoredFile } from './store.js';

/** The zod parse of a body, its first issue as a 400 naming the parameter, the rule and the value. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue === undefined) throw invalidRequest('The request body is invalid.');
  const { message, param } = describeIssue(issue, body);
  throw invalidRequest(message, param || undefined);
}

export function resolveModel(name: string, param = 'model'): FineTuneModel {
  const model = findModel(name);
  if (model === undefined)
    throw invalidRequest(
      `The model ${JSON.stringify(name)} is not available for fine-tuning: list the models that are with GET /v1/models.`,
      param,
    );
  return model;
}

/** A data file of the account, uploaded and valid, with rows of the format the training method needs. */
export function resolveDataFile(account: AccountState, id: string, param: string, method: 'sft' | 'dpo'): StoredFile {
  const file = account.files.get(id);
  if (file === undefined) throw invalidRequest(`${param}: no file with ID ${JSON.stringify(id)} exists.`, param);
  if (file.check === null) throw invalidRequest(`${param}: the upload of file ${id} has not finished.`, param);
  if (!file.check.ok) throw invalidRequest(`${param}: file ${id} failed validation: ${file.check.message}`, param);
  if (file.purpose !== 'fine-tune')
    throw invalidRequest(`${param}: file ${id} was uploaded for ${file.purpose}, not fine-tune.`, param);
  const preference = file.check.format === 'preference_openai';
  if (method === 'dpo' && !preference)
    throw invalidRequest(
      `${param}: DPO training needs preference rows (input, preferred_output, non_preferred_output); ` +
        `file ${id} holds ${file.check.format} rows.`,
      param,
    );
  if (method === 'sft' && preference)
    throw invalidRequest(
      `${param}: file ${id} holds preference rows, which train with training_method dpo only.`,
      param,
    );
  return file;
}

export function trainingKind(body: Pick<CreateBody, 'training_type' | 'training_method'>): TrainingKind {
  return { type: body.training_type?.type ?? 'Lora', method: body.training_method?.method ?? 'sft' };
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (value < min || value > max)
    throw invalidRequest(`${name} must be between ${min} and ${max}; got ${value}.`, name);
}

function resolveBatchSize(body: CreateBody, model: FineTuneModel, kind: TrainingKind): number {
  const range = batchRange(model, kind);
  if (range === null)
    throw invalidRequest(
      `Full fine-tuning is not supported for ${model.name}: use training_type Lora.`,
      'training_type',
    );
  if (body.batch_size === 'max') return range.max;
  const label = `${kind.type === 'Full' ? 'full' : 'LoRA'} ${kind.method.toUpperCase()}`;
  if (body.batch_size < range.min || body.batch_size > range.max) {
    throw invalidRequest(
      `batch_size ${body.batch_size} is outside the range ${range.min} to ${range.max} that ${model.name} allows for ${label} training.`,
      'batch_size',
    );
  }
  return body.batch_size;
}

function resolveLora(body: CreateBody, model: FineTuneModel): LoraSettings | null {
  const type = body.training_type ?? {
    type: 'Lora',
    lora_r: 8,
    lora_alpha: 16,
    lora_dropout: 0,
    lora_trainable_modules: 'all-linear',
  };
  if (type.type === 'Full') return null;
  checkRange('training_type.lora_r', type.lora_r, 1, model.lora.maxRank);
  const modules = type.lora_trainable_modules.split(',').map((m) => m.trim());
  const unknown = modules.find((m) => m !== 'all-linear' && !model.lora.targetModules.includes(m));
  if (unknown !== undefined) {
    throw invalidRequest(
      `training_type.lora_trainable_modules: ${JSON.stringify(unknown)} is not a target module of ` +
        `${model.name} (${model.lora.targetModules.join(', ')}, or all-linear).`,
      'training_type.lora_trainable_modules',
    );
  }
  return {
    lora_r: type.lora_r,
    lora_alpha: type.lora_alpha,
    lora_dropout: type.lora_dropout,
    lora_trainable_modules: modules.join(','),
  };
}

function resolveMethod(body: CreateBody): MethodSettings {
  const method = body.training_method ?? { method: 'sft', train_on_inputs: body.train_on_inputs ?? 'auto' };
  return method;
}

function checkNumbers(body: CreateBody, model: FineTuneModel, kind: TrainingKind): number {
  checkRange('n_epochs', body.n_epochs, 1, LIMITS.maxEpochs);
  checkRange('n_checkpoints', body.n_checkpoints, 1, LIMITS.maxCheckpoints);
  checkRange('n_evals', body.n_evals, 0, LIMITS.maxEvals);
  checkRange('learning_rate', body.learning_rate, LIMITS.minLearningRate, LIMITS.maxLearningRate);
  const maxSeq = kind.method === 'dpo' ? model.maxSeqLengthDpo : model.maxSeqLengthSft;
  if (body.max_seq_length !== undefined)
    checkRange('max_seq_length', body.max_seq_length, LIMITS.minMaxSeqLength, maxSeq);
  if (body.multimodal_params?.train_vision === true)
    throw invalidRequest(
      `multimodal_params.train_vision: ${model.name} is not a vision model.`,
      'multimodal_params.train_vision',
    );
  return body.max_seq_length ?? maxSeq;
}

function checkEvaluation(body: CreateBody): void {
  if (body.n_evals > 0 && body.validation_file === undefined)
    throw invalidRequest(
      `n_evals ${body.n_evals} needs a validation_file to evaluate on; none was given (n_evals 0 needs none).`,
      'n_evals',
    );
  if (!body.early_stopping_enabled) return;
  if (body.validation_file === undefined)
    throw invalidRequest('early_stopping_enabled needs a validation_file.', 'early_stopping_enabled');
  const needed = body.early_stopping_patience + (body.early_stopping_warmup_evals ?? 1) + 1;
  if (body.n_evals < needed)
    throw invalidRequest(
      `early stopping needs n_evals of at least early_stopping_patience + early_stopping_warmup_evals ` +
        `+ 1 = ${needed}; got ${body.n_evals}.`,
      'n_evals',
    );
}

function checkIntegrations(body: CreateBody): void {
  if (body.hf_output_repo_name !== undefined && body.hf_api_token === undefined)
    throw invalidRequest('hf_output_repo_name needs an hf_api_token with write access.', 'hf_api_token');
  if (body.from_hf_model !== undefined && body.from_checkpoint !== undefined)
    throw invalidRequest('from_checkpoint and from_hf_model cannot both be set.', 'from_hf_model');
  if (body.hf_output_repo_name !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(body.hf_output_repo_name)) {
    throw invalidRequest(
      `hf_output_repo_name: ${JSON.stringify(body.hf_output_repo_name)} is not a repository name of the form owner/name.`,
      'hf_output_repo_name',
    );
  }
  if (body.suffix !== undefined && !/^[\w.-]+$/.test(body.suffix))
    throw invalidRequest(
      `suffix may hold letters, digits, "-", "_" and "." only; got ${JSON.stringify(body.suffix)}.`,
      'suffix',
    );
}

export function resolveSettings(raw: unknown, account: AccountState, now: number): JobSettings {
  const body = parseBody(createBodySchema, raw);
  const model = resolveModel(body.model);
  const kind = trainingKind(body);
  const maxSeqLength = checkNumbers(body, model, kind);
  const batchSize = resolveBatchSize(body, model, kind);
  const lora = resolveLora(body, model);
  checkEvaluation(body);
  checkIntegrations(body);
  const fromCheckpoint =
    body.from_checkpoint === undefined ? null : checkContinuation(account, body.from_checkpoint, model, now);
  const trainingFile = resolveDataFile(account, body.training_file, 'training_file', kind.method);
  const validationFile =
    body.validation_file === undefined
      ? null
      : resolveDataFile(account, body.validation_file, 'validation_file', kind.method);
  return {
    body,
    model,
    trainingFile,
    validationFile,
    kind,
    batchSize,
    maxSeqLength,
    lora,
    method: resolveMethod(body),
    fromCheckpoint,
  };
}
