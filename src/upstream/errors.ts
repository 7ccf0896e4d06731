/**
 * The one error type of the upstream client. `code` is stable and comes from a closed set; the
 * gateway maps it to `extensions.code` unchanged. `message` is meant for users: it keeps the
 * upstream's own sentence where the upstream wrote one for users, and never holds a token.
 */

export const UPSTREAM_ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'INSUFFICIENT_CREDIT',
  'UPSTREAM_ERROR',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_OUTCOME_UNKNOWN',
] as const;
export type UpstreamErrorCode = (typeof UPSTREAM_ERROR_CODES)[number];

export interface UpstreamErrorDetails {
  /** HTTP status of the upstream answer, when there was one. */
  status?: number;
  /** The upstream envelope's `code` (`invalid_argument`, `not_found`, …), when there was one. */
  upstreamCode?: string;
  /** The request parameter the upstream's refusal names, in its wire name (Together's `param`), when it named one. */
  upstreamParam?: string;
  /** Seconds the upstream asked us to wait (from `Retry-After`), when it did. */
  retryAfterSeconds?: number;
  /** `METHOD /route-template` of the call, for logs. Never carries ids' owners or tokens. */
  operation?: string;
  /** The input field a BAD_USER_INPUT refusal names, in the client input's names (`trainingFileId`). */
  field?: string;
  /** What the user can do about it, for the gateway to add to the message it shows (`fromUpstreamError`). */
  advice?: string;
  /**
   * The upstream's id of a file that the failed call stored, or may have stored (an upload whose
   * read-back failed): the caller finds it by this id instead of uploading it again.
   */
  fileId?: string;
  cause?: unknown;
}

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly code: UpstreamErrorCode;
  readonly status: number | undefined;
  readonly upstreamCode: string | undefined;
  readonly upstreamParam: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly operation: string | undefined;
  readonly field: string | undefined;
  readonly advice: string | undefined;
  readonly fileId: string | undefined;

  constructor(code: UpstreamErrorCode, message: string, details: UpstreamErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.upstreamCode = details.upstreamCode;
    this.upstreamParam = details.upstreamParam;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.operation = details.operation;
    this.field = details.field;
    this.advice = details.advice;
    this.fileId = details.fileId;
  }
}

export function isUpstreamError(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError;
}
