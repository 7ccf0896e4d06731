/**
 * What a shared poller does after a failed call: the whole decision, as a pure function of the
 * error, where it happened and how long the upstream has been failing (no I/O, no timers; the
 * poller carries it out, and test/subscriptions/poll-failure-policy.spec.ts holds one row per case).
 *
 * - A token refused (UNAUTHENTICATED, FORBIDDEN) belongs to that token, not to the topic: its
 *   subscribers end with that error, the others stay, and a poll is retried at once with the next
 *   token (credential rotation). Also on a standby instance's re-check.
 * - A final refusal of the topic itself (NOT_FOUND, BAD_USER_INPUT, CONFLICT, INSUFFICIENT_CREDIT):
 *   polling again cannot help, so every subscriber ends with it.
 * - Anything else (5xx, 429, timeouts, a Redis command failing) is transient: back off (poll-delay.ts,
 *   honouring a Retry-After) while subscribers wait, until the upstream has failed without a break
 *   for `giveUpAfterMs`; then every subscriber ends with the last error, coded.
 * - A standby instance's re-check that fails for any other reason is ignored: the lease holder,
 *   which polls, meets the same failure and handles it.
 *
 * A backoff may end early when the upstream answers for the same account elsewhere (poller-transition.ts,
 * `answered`), but never a wait the upstream itself asked for with a Retry-After: the record says which.
 */
import { isUpstreamError, UpstreamError, type UpstreamErrorCode } from '../upstream/errors.js';

/** Failures after which polling again cannot help: the job is gone, or the request itself is refused. */
const FINAL_CODES: ReadonlySet<UpstreamErrorCode> = new Set([
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'INSUFFICIENT_CREDIT',
]);
/** Failures that belong to one token, not to the topic. */
const TOKEN_CODES: ReadonlySet<UpstreamErrorCode> = new Set(['UNAUTHENTICATED', 'FORBIDDEN']);

/** The poller's record of an outage in progress; `HEALTHY` after any successful poll. */
export interface FailureRecord {
  /** Consecutive failed polls. */
  failures: number;
  /** When the first of them failed (ms since the epoch), or undefined when healthy. */
  failingSince: number | undefined;
  /** Seconds asked by the last failure's Retry-After, if it sent one. */
  retryAfterSeconds: number | undefined;
  /**
   * The Retry-After came from the upstream's own answer (a 429 or 503 header), not from the gateway's
   * circuit breaker refusing to call: the upstream asked this caller to wait, so the wait is not cut
   * short when the upstream answers for the account elsewhere. Absent otherwise.
   */
  retryAfterFromUpstream?: true;
}

export const HEALTHY: FailureRecord = { failures: 0, failingSince: undefined, retryAfterSeconds: undefined };

export interface PollFailure {
  error: unknown;
  /** `poll`: the lease holder's poll (or its lease and publish calls); `recheck`: a standby instance's token re-check. */
  during: 'poll' | 'recheck';
  record: FailureRecord;
  now: number;
  giveUpAfterMs: number;
}

export type PollFailureDecision =
  /** End the subscriptions holding the token that was used, with `error`; a poll goes on at once with the next token. */
  | { action: 'drop-token'; error: UpstreamError }
  /** End every subscription with `error` and stop the poller. */
  | { action: 'end'; error: Error }
  /** Keep the subscribers waiting; poll again after the backoff that `record` gives. */
  | { action: 'back-off'; record: FailureRecord }
  /** Nothing to do here. */
  | { action: 'ignore' };

export function decideAfterFailure({ error, during, record, now, giveUpAfterMs }: PollFailure): PollFailureDecision {
  const coded = isUpstreamError(error) ? error : undefined;
  if (coded && TOKEN_CODES.has(coded.code)) return { action: 'drop-token', error: coded };
  if (during === 'recheck') return { action: 'ignore' };
  if (coded && FINAL_CODES.has(coded.code)) return { action: 'end', error: coded };
  const failingSince = record.failingSince ?? now;
  if (now - failingSince >= giveUpAfterMs) {
    const seconds = Math.round((now - failingSince) / 1000);
    return {
      action: 'end',
      error:
        coded ??
        new UpstreamError(
          'UPSTREAM_UNAVAILABLE',
          `Live updates stopped: the upstream could not be polled for ${seconds} s.`,
          { cause: error },
        ),
    };
  }
  const retryAfterSeconds = coded?.retryAfterSeconds;
  // Only an answer has a status: the breaker's refusal carries a Retry-After but never reached the upstream.
  const fromUpstream = retryAfterSeconds !== undefined && coded?.status !== undefined;
  return {
    action: 'back-off',
    record: {
      failures: record.failures + 1,
      failingSince,
      retryAfterSeconds,
      ...(fromUpstream ? { retryAfterFromUpstream: true as const } : {}),
    },
  };
}
