/**
 * The error a call ends with when its last attempt failed (retry-decision.ts said `fail`), and the
 * warning logged for it. The upstream may echo what it was sent (the token, JSON-escaped, in
 * base64…), so an answer's text is redacted before anything reads it.
 */
import { redactSecrets } from '../secrets/secret-forms.js';
import type { UpstreamDialect } from './dialect.js';
import type { UpstreamError } from './errors.js';
import { withInputField } from './input-fields.js';
import { errorFromFailure, errorFromResponse, type RawResponse } from './map-error.js';
import type { UpstreamLogger } from './options.js';
import type { AttemptOutcome } from './send-attempt.js';

export interface FailedCall {
  operation: string;
  /** What the call's log lines start with (the operation, and the request id when given). */
  about: Record<string, unknown>;
  attempt: number;
  /** `Exchange.outcomeUnknownOnLostAnswer`. */
  outcomeUnknown: boolean;
  /** `Exchange.outcomeUnknownAdvice`. */
  outcomeUnknownAdvice?: string | undefined;
  /** Whether an attempt may have acted before its answer was lost (the decision's `lostAttempt`). */
  lostAttempt: boolean;
  retryAfterSeconds: number | undefined;
  /** The token and any other secret the exchange carried. */
  secrets: string[];
  inputFields: Readonly<Record<string, string>> | undefined;
  logger: UpstreamLogger;
  /** `ResolvedOptions.dialect`: how the upstream writes its error answers. */
  dialect?: UpstreamDialect;
  /** The call's deadline, in milliseconds: said when it is what ended the call. */
  deadlineMs?: number;
}

/** Codes that say the upstream, not the caller, failed: worth a warning. */
const UPSTREAM_FAULTS = new Set(['UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_OUTCOME_UNKNOWN']);

export function callFailure(
  outcome: Extract<AttemptOutcome, { kind: 'answered' | 'lost' }>,
  f: FailedCall,
): UpstreamError {
  if (outcome.kind === 'lost') {
    const { reason } = outcome;
    const mapped = errorFromFailure({
      operation: f.operation,
      kind: outcome.failure,
      outcomeUnknown: f.outcomeUnknown,
      outcomeUnknownAdvice: f.outcomeUnknownAdvice,
      reason,
      timedOutAfterMs: outcome.timedOut ? f.deadlineMs : undefined,
      cause: outcome.error,
    });
    f.logger.warn({ ...f.about, attempt: f.attempt, code: mapped.code, reason }, 'upstream call failed');
    return mapped;
  }
  const response: RawResponse = { ...outcome.response, text: redactSecrets(outcome.response.text, f.secrets) };
  // A 502/504 (or 500) on a job creation is not "unavailable": the upstream may have acted.
  const mapped = errorFromResponse(response, f.operation, f.retryAfterSeconds, {
    outcomeUnknown: f.outcomeUnknown,
    outcomeUnknownAdvice: f.outcomeUnknownAdvice,
    afterLostAttempt: f.lostAttempt,
    dialect: f.dialect,
  });
  if (UPSTREAM_FAULTS.has(mapped.code)) {
    f.logger.warn(
      { ...f.about, attempt: f.attempt, status: response.status, upstreamCode: mapped.upstreamCode },
      'upstream call failed',
    );
  }
  return f.inputFields ? withInputField(mapped, f.inputFields) : mapped;
}
