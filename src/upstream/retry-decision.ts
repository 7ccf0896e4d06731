/**
 * What a call does after one attempt: the whole decision, as a pure function of how the attempt
 * ended and where the call stands (no I/O, no timers, no clock read; `call.ts` carries it out, and
 * test/upstream/retry-decision.spec.ts holds one row per case).
 *
 * - An answer the exchange accepts (2xx, or its `acceptStatus`) is the result. So is the status
 *   `acceptAfterLostAttempt` names, once an earlier attempt may have acted: a repeated DELETE's 404
 *   or cancel's 409 may be our own first attempt's doing.
 * - An answer that says "not now" (RETRYABLE_STATUSES) is tried again while attempts remain, after
 *   the Retry-After the upstream asked for, or else the backoff; a Retry-After longer than
 *   `maxRetryAfterMs` ends the call now (its caller is told when to retry). A 500
 *   (RETRIED_ONCE_STATUSES) is tried again the same way, once at most (after the first attempt). A
 *   500/502/504 marks the attempt as lost: the service (or a proxy's own attempt) may have acted.
 * - No answer: a failure that is not a network one (`other`), or the call's deadline, ends the call;
 *   a refused connect or a broken exchange is tried again, the broken one marking the attempt lost.
 * - A pause that would end at or past the deadline is not taken: the call fails now instead.
 */
import type { FailureKind } from './map-error.js';
import { RETRIED_ONCE_STATUSES, RETRYABLE_STATUSES } from './retry.js';

/** How one attempt ended, as far as the decision needs to know. */
export type AttemptResult =
  /** An HTTP answer; `accepted` when the exchange counts its status as success. */
  | { kind: 'answered'; status: number; accepted: boolean; retryAfterSeconds: number | undefined }
  /** No answer: how the exchange failed, and whether the call's deadline is what ended it. */
  | { kind: 'lost'; failure: FailureKind; timedOut: boolean };

export interface CallProgress {
  /** 1 for the first attempt. */
  attempt: number;
  /** 1 for an exchange that is never repeated. */
  maxAttempts: number;
  /** Whether an earlier attempt may have reached the upstream and acted before its answer was lost. */
  lostAttempt: boolean;
  /** The backoff before the next attempt, when the upstream asked for no particular wait. */
  backoffMs: number;
  /** The longest Retry-After waited out (RetryOptions.maxRetryAfterMs). */
  maxRetryAfterMs: number;
  now: number;
  /** When the call's deadline passes (same clock as `now`). */
  deadlineAt: number;
  /** `Exchange.acceptAfterLostAttempt`. */
  acceptAfterLostAttempt: number | undefined;
}

/** Each with `lostAttempt`: whether any attempt so far (this one included) may have acted unanswered. */
export type RetryDecision =
  /** The answer is the call's result. */
  | { action: 'accept'; lostAttempt: boolean }
  /** Sleep `delayMs`, then attempt again. */
  | { action: 'retry'; delayMs: number; lostAttempt: boolean }
  /** The call ends with this attempt's failure. */
  | { action: 'fail'; lostAttempt: boolean };

export function decideAfterAttempt(result: AttemptResult, p: CallProgress): RetryDecision {
  if (result.kind === 'answered') return afterAnswer(result, p);
  if (result.failure === 'other' || result.timedOut || p.attempt >= p.maxAttempts) {
    return { action: 'fail', lostAttempt: p.lostAttempt };
  }
  return retryWithin(p.backoffMs, p.lostAttempt || result.failure === 'transport', p);
}

function afterAnswer(result: Extract<AttemptResult, { kind: 'answered' }>, p: CallProgress): RetryDecision {
  if (result.accepted || (p.lostAttempt && result.status === p.acceptAfterLostAttempt)) {
    return { action: 'accept', lostAttempt: p.lostAttempt };
  }
  const once = RETRIED_ONCE_STATUSES.has(result.status);
  const attempts = once ? Math.min(2, p.maxAttempts) : RETRYABLE_STATUSES.has(result.status) ? p.maxAttempts : 1;
  if (p.attempt >= attempts) return { action: 'fail', lostAttempt: p.lostAttempt };
  const lostAttempt = p.lostAttempt || once || result.status === 502 || result.status === 504;
  const delayMs = result.retryAfterSeconds === undefined ? p.backoffMs : result.retryAfterSeconds * 1000;
  if (result.retryAfterSeconds !== undefined && delayMs > p.maxRetryAfterMs) return { action: 'fail', lostAttempt };
  return retryWithin(delayMs, lostAttempt, p);
}

function retryWithin(delayMs: number, lostAttempt: boolean, p: CallProgress): RetryDecision {
  if (p.now + delayMs >= p.deadlineAt) return { action: 'fail', lostAttempt };
  return { action: 'retry', delayMs, lostAttempt };
}
