/**
 * One attempt of a call: one HTTP exchange, told to the observer, and every way it can end turned
 * into an outcome instead of a throw, so that the loop in `call.ts` decides (retry-decision.ts) and
 * nothing here retries, sleeps or logs.
 */
import type { Dispatcher } from 'undici';
import type { CallDeadline } from './call-deadline.js';
import type { PreparedRequest } from './call-request.js';
import { NotSentError } from './dispatch-tracking.js';
import { UpstreamError } from './errors.js';
import { sendOnce } from './http.js';
import { errorCode, failureKind, type FailureKind, type RawResponse } from './map-error.js';
import type { UpstreamExchangeInfo, UpstreamObserver } from './observer.js';

export type AttemptOutcome =
  | { kind: 'answered'; response: RawResponse }
  /** No answer. `reason` names the failure for logs and messages; `timedOut` when the call's deadline ended it. */
  | { kind: 'lost'; failure: FailureKind; timedOut: boolean; reason: string; error: unknown }
  /** The caller's signal aborted; `afterSend` when the request may have reached the upstream. */
  | { kind: 'aborted'; reason: unknown; afterSend: boolean }
  /** An error that ends the call as it is: the caller's upload stream failing, or an answer too large. */
  | { kind: 'ended'; error: unknown };

export interface AttemptSetup {
  dispatcher: Dispatcher;
  request: PreparedRequest;
  deadline: CallDeadline;
  callerSignal: AbortSignal | undefined;
  /** The error of the caller's upload stream, once it failed. */
  sourceError: () => unknown;
  observer: UpstreamObserver | null;
  info: Omit<UpstreamExchangeInfo, 'attempt'>;
}

export async function sendAttempt(s: AttemptSetup, attempt: number): Promise<AttemptOutcome> {
  const observed = s.observer?.start({ ...s.info, attempt });
  const { headers } = s.request;
  try {
    const response = await sendOnce(s.dispatcher, {
      ...s.request,
      headers: observed?.headers ? { ...observed.headers, ...headers } : headers,
      signal: s.deadline.signal,
    });
    observed?.end({ status: response.status });
    return { kind: 'answered', response };
  } catch (error) {
    observed?.end({ status: error instanceof UpstreamError ? (error.status ?? null) : null });
    return failedAttempt(error, s);
  }
}

function failedAttempt(error: unknown, s: AttemptSetup): AttemptOutcome {
  const notSent = error instanceof NotSentError;
  if (s.callerSignal?.aborted) return { kind: 'aborted', reason: s.callerSignal.reason, afterSend: !notSent };
  const sourceError = s.sourceError();
  if (sourceError !== undefined) return { kind: 'ended', error: sourceError };
  if (error instanceof UpstreamError) return { kind: 'ended', error };
  const timedOut = s.deadline.timedOut();
  // A request still queued for a connection never reached the upstream, whatever ended it. A
  // deadline that fires mid-exchange cannot tell whether the upstream acted: assume it did.
  if (notSent) {
    return {
      kind: 'lost',
      failure: 'connect',
      timedOut,
      reason: `no connection free within ${s.deadline.ms} ms`,
      error,
    };
  }
  if (timedOut) {
    return { kind: 'lost', failure: 'transport', timedOut, reason: s.deadline.exceeded()!.message, error };
  }
  return { kind: 'lost', failure: failureKind(error), timedOut, reason: errorName(error), error };
}

/** A code or a class name, never an error's free-text message (which could quote anything). */
function errorName(error: unknown): string {
  return errorCode(error) ?? (error instanceof Error ? error.name : typeof error);
}
