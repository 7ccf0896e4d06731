/**
 * The fields of the operator's "webhook attempt failed" line: which attempt of which delivery, and
 * why it failed, so that the log alone answers "why is this endpoint not getting its events?".
 *
 * `error` is the error recorded with the attempt when no answer came (a timeout, a refused or reset
 * connection, an address or URL refused, a delivery given up): those are the gateway's own words, and
 * a URL in them holds no credentials (one with a user name or password is refused at registration,
 * and never repeated). When the endpoint answered, `error` is only its status: the recorded error
 * then quotes the receiver (the start of its body, a redirect's `Location`), which is the endpoint
 * owner's to read in `webhookDeliveries`, not the operator's log's. The signing secrets and the
 * stored credentials are not in an outcome, so never in the line.
 */
import type { AttemptOutcome, ClaimedDelivery } from './webhook-store.js';

export interface FailedAttemptLog {
  deliveryId: string;
  endpointId: string;
  /** The attempt's number, 1 for the first (interrupted attempts counted). */
  attempt: number;
  outcome: 'failed' | 'gone';
  /** The endpoint's HTTP status; null when none came back. */
  responseCode: number | null;
  error: string;
  durationMs: number;
  /** When the next attempt is due (ISO 8601); null when there is none (no retry left, or 410 Gone). */
  retryAt: string | null;
}

export function failedAttemptLog(
  claim: Pick<ClaimedDelivery, 'id' | 'endpointId'>,
  attempt: number,
  outcome: Exclude<AttemptOutcome, { kind: 'delivered' }>,
): FailedAttemptLog {
  const which = { deliveryId: claim.id, endpointId: claim.endpointId, attempt, durationMs: outcome.durationMs };
  if (outcome.kind === 'gone')
    return {
      ...which,
      outcome: 'gone',
      responseCode: 410,
      error: 'HTTP 410: the endpoint is now DISABLED',
      retryAt: null,
    };
  const { responseCode } = outcome;
  return {
    ...which,
    outcome: 'failed',
    responseCode,
    error: responseCode === null ? outcome.error : `HTTP ${responseCode}`,
    retryAt: outcome.retryAt?.toISOString() ?? null,
  };
}
