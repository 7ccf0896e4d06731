/**
 * The simulator's one error type and the contract's closed set of codes. Handlers throw `ApiError`;
 * the server turns it into the `{ code, message }` envelope with the status the contract assigns.
 */

export const API_ERROR_STATUS = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  failed_precondition: 409,
  internal: 500,
  unavailable: 503,
} as const;

/** `resource_exhausted` is the one code with two statuses (402 credit, 429 rate limit), so callers pick. */
export type ApiErrorCode = keyof typeof API_ERROR_STATUS | 'resource_exhausted';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { status?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.code = code;
    this.status = options.status ?? (code === 'resource_exhausted' ? 429 : API_ERROR_STATUS[code]);
    this.headers = options.headers ?? {};
  }
}

export const invalidArgument = (message: string): ApiError => new ApiError('invalid_argument', message);
export const notFound = (message: string): ApiError => new ApiError('not_found', message);
export const failedPrecondition = (message: string): ApiError => new ApiError('failed_precondition', message);

/** Echo of a received value for messages: JSON for strings and objects, cut short so a message stays a sentence. */
export function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
