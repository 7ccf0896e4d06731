/**
 * The gateway's error vocabulary: every error a client receives carries one of these codes in
 * `extensions.code`, whatever the transport. It is closed on purpose: a client can switch on it, and
 * anything that does not speak it is masked as INTERNAL_SERVER_ERROR (see src/server/to-client-error.ts).
 */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'INSUFFICIENT_CREDIT',
  'OPERATION_LIMIT_EXCEEDED',
  'UPSTREAM_ERROR',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_OUTCOME_UNKNOWN',
  'INTERNAL_SERVER_ERROR',
  // A store of the gateway's own (the webhook database) cannot be reached now: try again shortly.
  'SERVICE_UNAVAILABLE',
  // The Apollo persisted-query protocol's: "send the document with its hash" (its clients resend at once).
  'PERSISTED_QUERY_NOT_FOUND',
  // yoga's own, for documents that do not parse or do not validate against the schema.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const VOCABULARY: ReadonlySet<string> = new Set<string>(ERROR_CODES);

/** Whether `code` (an `extensions.code` of unknown origin) is one of the vocabulary's. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && VOCABULARY.has(code);
}
