/**
 * Together's error envelope, `{ "error": { "message", "type", "param", "code" } }` (the spec's
 * `ErrorData`), and the one error type the Together handlers throw. The `type` and `code` values
 * follow the OpenAI-style vocabulary Together answers with; which value goes with which refusal is
 * the simulator's choice (docs/together-contract.md).
 */
import { ApiError } from '../api-error.js';
import type { Reply } from '../reply.js';

export type TogetherErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'credit_limit'
  | 'rate_limit'
  | 'server_error'
  | 'service_unavailable';

export class TogetherError extends Error {
  override readonly name = 'TogetherError';

  constructor(
    readonly status: number,
    readonly type: TogetherErrorType,
    message: string,
    readonly extra: { param?: string; code?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }
}

export const invalidRequest = (message: string, param?: string): TogetherError =>
  new TogetherError(400, 'invalid_request_error', message, param === undefined ? {} : { param });

export const notFound = (message: string): TogetherError => new TogetherError(404, 'not_found_error', message);

export function togetherErrorReply(error: TogetherError): Reply {
  const { param = null, code = null, headers = {} } = error.extra;
  return { status: error.status, headers, body: { error: { message: error.message, type: error.type, param, code } } };
}

const TYPE_BY_STATUS: Record<number, TogetherErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  410: 'not_found_error',
  413: 'invalid_request_error',
  429: 'rate_limit',
  503: 'service_unavailable',
};

/** Errors thrown by the helpers shared with the Nscale simulator (JSON body reading), in Together's envelope. */
export function fromSharedError(error: ApiError): TogetherError {
  return new TogetherError(error.status, TYPE_BY_STATUS[error.status] ?? 'server_error', error.message, {
    headers: error.headers,
  });
}
