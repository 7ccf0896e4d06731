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

/**
 * How often the "webhook attempt failed" line is logged at info per endpoint: a receiver that is down
 * fails every attempt of every delivery (117 lines in 70 s for one endpoint in a trial), and one line a
 * minute says as much. The attempts in between are logged at debug, and counted in the next info line
 * (`unlogged`); an endpoint that becomes FAILING or DISABLED is logged at warn, with its reason, apart.
 */
export const FAILED_ATTEMPT_LOG_EVERY_MS = 60_000;

/** Endpoints remembered at most: past it, those not logged within the interval are forgotten. */
const REMEMBERED = 10_000;

/**
 * Decides, per endpoint, whether a failed attempt's line goes out at info (the first, then one per
 * `everyMs`) and how many were logged at debug since the last (`unlogged`).
 */
export function failedAttemptRate(now: () => number, everyMs = FAILED_ATTEMPT_LOG_EVERY_MS) {
  const last = new Map<string, { at: number; unlogged: number }>();
  return (endpointId: string): { info: boolean; unlogged: number } => {
    const t = now();
    const seen = last.get(endpointId);
    if (seen && t - seen.at < everyMs) {
      seen.unlogged += 1;
      return { info: false, unlogged: seen.unlogged };
    }
    if (!seen && last.size >= REMEMBERED) for (const [id, entry] of last) if (t - entry.at >= everyMs) last.delete(id);
    last.set(endpointId, { at: t, unlogged: 0 });
    return { info: true, unlogged: seen?.unlogged ?? 0 };
  };
}
