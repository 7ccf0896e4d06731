/**
 * The upstream names the field it refuses in its own words, first (`training_file_id: no file "x" in
 * this organization`); the caller sent camelCase input (`trainingFileId`). A refusal that starts with
 * one of the exchange's wire names is put in the caller's names, with the field on the error, so
 * that what only the upstream can check (does the file exist?) comes back like the gateway's own
 * input problems.
 */
import { UpstreamError } from './errors.js';

/** Wire name → the client input's name, per request body (requests.ts). */
export const DATASET_INPUT_FIELDS = {
  name: 'name',
  training_file_id: 'trainingFileId',
  validation_file_id: 'validationFileId',
} as const;
export const EXPORT_INPUT_FIELDS = {
  huggingface_user_id: 'userId',
  huggingface_access_token: 'accessToken',
  huggingface_repository_id: 'repositoryId',
} as const;

export function withInputField(error: UpstreamError, fields: Readonly<Record<string, string>>): UpstreamError {
  if (error.code !== 'BAD_USER_INPUT') return error;
  const details = {
    status: error.status,
    upstreamCode: error.upstreamCode,
    upstreamParam: error.upstreamParam,
    operation: error.operation,
  };
  // An upstream that names the parameter beside its sentence (Together's `param`): the sentence stays,
  // its leading wire name (when it starts with one) put in the caller's names.
  const param = error.upstreamParam;
  if (param !== undefined) {
    const field = fields[param];
    if (field === undefined) return error;
    const message = error.message.startsWith(`${param}: `)
      ? `${field}: ${error.message.slice(param.length + 2)}`
      : error.message;
    return new UpstreamError(error.code, message, { ...details, field });
  }
  const match = /^([a-z][a-z0-9_]*): /.exec(error.message);
  const field = match ? fields[match[1]!] : undefined;
  if (match === null || field === undefined) return error;
  return new UpstreamError(error.code, `${field}: ${error.message.slice(match[0].length)}`, { ...details, field });
}
