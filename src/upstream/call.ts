/**
 * One client call: attempts (send-attempt.ts) in a small loop over pure retry decisions
 * (retry-decision.ts), under one deadline and the caller's AbortSignal (call-deadline.ts), ending in
 * either a response the endpoint accepts or an `UpstreamError` (call-failure.ts).
 *
 * Aborting: when the caller's signal aborts, the call rejects at once with `signal.reason` (what
 * `fetch` does; a plain `abort()` gives a DOMException named "AbortError"), not with an UpstreamError:
 * the gateway reads an aborted call as "the client left", and nobody is left to show an error to.
 *
 * The deadline covers the whole call, retries and their sleeps included.
 */
import type { Dispatcher } from 'undici';
import { startDeadline, type CallDeadline } from './call-deadline.js';
import { callFailure } from './call-failure.js';
import { buildRequest, type RequestParts } from './call-request.js';
import { trackDispatch } from './dispatch-tracking.js';
import { errorFromFailure, type RawResponse } from './map-error.js';
import type { ResolvedOptions } from './options.js';
import { decideAfterAttempt, type AttemptResult } from './retry-decision.js';
import { backoffDelayMs, parseRetryAfter } from './retry.js';
import { sendAttempt, type AttemptOutcome } from './send-attempt.js';
import type { CallCredentials, CallOptions } from './types.js';

export interface Exchange extends RequestParts {
  /** Route template, the only form of the path that reaches logs and messages: `/jobs/{id}`. */
  route: string;
  /** Whether a failed attempt may be repeated (idempotent calls only). */
  retry: boolean;
  /** A dry run of a creation (a cost estimate): observers tell it from the creation on the same route. */
  dryRun?: boolean;
  /** A lost answer means "may have happened" (job creation): `UPSTREAM_OUTCOME_UNKNOWN`. */
  outcomeUnknownOnLostAnswer?: boolean;
  /**
   * What the caller should check before repeating such an exchange, said with its
   * `UPSTREAM_OUTCOME_UNKNOWN` (an upload's is not a job's). @default 'Check `jobs` before retrying.'
   */
  outcomeUnknownAdvice?: string;
  /** Statuses that count as success besides 2xx (the download's redirect). */
  acceptStatus?: (status: number) => boolean;
  /**
   * A status that counts as success when an earlier attempt may have acted before its answer was
   * lost: DELETE's 404 (already gone, maybe by us), cancel's 409 (already cancelled, maybe by us).
   */
  acceptAfterLostAttempt?: number;
  /** Wire names of the body's fields → the client input's, for refusals that name one (input-fields.ts). */
  inputFields?: Readonly<Record<string, string>>;
  /** Secrets besides the token (a Hugging Face token) to scrub from echoed error bodies. */
  secrets?: string[];
  /** Overrides the client's deadline (uploads use their own). */
  deadlineMs?: number;
}

export interface CallResult {
  response: RawResponse;
  /** True when an earlier attempt may have reached the upstream and acted before its answer was lost. */
  afterLostAttempt: boolean;
}

export type Call = (creds: CallCredentials, exchange: Exchange, opts: CallOptions | undefined) => Promise<CallResult>;

/** One call in progress: what the loop needs besides the client's options. */
interface CallRun {
  creds: CallCredentials;
  ex: Exchange;
  operation: string;
  about: Record<string, unknown>;
  deadline: CallDeadline;
  send: (attempt: number) => Promise<AttemptOutcome>;
  reached: CallOptions['reached'];
}

export function createCall(untracked: Dispatcher, o: ResolvedOptions): Call {
  const dispatcher = trackDispatch(untracked);

  return async function call(creds, ex, opts) {
    const operation = `${ex.method} ${ex.route}`;
    const { signal, requestId } = opts ?? {};
    const request = buildRequest(creds, ex, operation, o);
    // The caller's own upload stream failing is the caller's error, passed back unchanged.
    let sourceError: unknown;
    ex.stream?.source.once('error', (error: unknown) => (sourceError = error));
    const deadline = startDeadline(opts?.deadlineMs ?? ex.deadlineMs ?? o.deadlineMs, o.now, signal);
    const setup = {
      dispatcher,
      request,
      deadline,
      callerSignal: signal,
      sourceError: () => sourceError,
      observer: o.observer,
      info: { method: ex.method, route: ex.route, requestId, ...(ex.dryRun ? { dryRun: true } : {}) },
    };
    const run: CallRun = {
      creds,
      ex,
      operation,
      // What every log line of the call starts with: the request's id too, when the caller gave one.
      about: requestId === undefined ? { operation } : { operation, requestId },
      deadline,
      send: (attempt) => sendAttempt(setup, attempt),
      reached: opts?.reached,
    };
    try {
      if (signal?.aborted) throw signal.reason;
      return await attemptUntilDecided(run, o);
    } finally {
      deadline.dispose();
      // undici destroys a stream body it could not send; make sure, since the caller handed it over.
      if (ex.stream !== undefined && !ex.stream.body.readableEnded) {
        ex.stream.body.destroy();
        ex.stream.source.destroy();
      }
    }
  };
}

async function attemptUntilDecided(run: CallRun, o: ResolvedOptions): Promise<CallResult> {
  const { ex } = run;
  const maxAttempts = ex.retry && ex.stream === undefined ? o.retry.maxAttempts : 1;
  let lostAttempt = false;
  for (let attempt = 1; ; attempt++) {
    const outcome = await run.send(attempt);
    if (outcome.kind === 'aborted') {
      if (ex.outcomeUnknownOnLostAnswer && outcome.afterSend)
        o.logger.warn(run.about, 'caller aborted after sending; the outcome upstream is unknown');
      throw outcome.reason;
    }
    if (outcome.kind === 'ended') throw outcome.error;
    if (outcome.kind === 'answered') run.reached?.(outcome.response.status !== 401 && outcome.response.status !== 403);
    else if (outcome.failure !== 'connect') run.reached?.(true);
    const now = o.now();
    const result = outcome.kind === 'answered' ? answered(outcome.response, ex, now) : outcome;
    const decision = decideAfterAttempt(result, {
      attempt,
      maxAttempts,
      lostAttempt,
      backoffMs: backoffDelayMs(attempt, o.retry, o.random),
      maxRetryAfterMs: o.retry.maxRetryAfterMs,
      now,
      deadlineAt: run.deadline.at,
      acceptAfterLostAttempt: ex.acceptAfterLostAttempt,
    });
    lostAttempt = decision.lostAttempt;
    // Only an answer is ever accepted.
    if (decision.action === 'accept' && outcome.kind === 'answered') {
      return { response: outcome.response, afterLostAttempt: lostAttempt };
    }
    if (decision.action !== 'retry') {
      throw callFailure(outcome, {
        operation: run.operation,
        about: run.about,
        attempt,
        outcomeUnknown: mayHaveActed(ex),
        outcomeUnknownAdvice: ex.outcomeUnknownAdvice,
        lostAttempt,
        retryAfterSeconds: result.kind === 'answered' ? result.retryAfterSeconds : undefined,
        secrets: [run.creds.token, ...(ex.secrets ?? [])],
        inputFields: ex.inputFields,
        logger: o.logger,
        dialect: o.dialect,
        deadlineMs: run.deadline.ms,
      });
    }
    const why = outcome.kind === 'answered' ? { status: outcome.response.status } : { reason: outcome.reason };
    o.logger.debug({ ...run.about, attempt, delayMs: decision.delayMs, ...why }, 'upstream call failed; retrying');
    await pause(run, decision.delayMs, lostAttempt, o);
  }
}

/**
 * Whether the exchange's effect may have happened although no answer says so: one whose effect matters
 * (`outcomeUnknownOnLostAnswer`) and, when it streams a body, only once the whole body was sent: an
 * upload cut before its end left the upstream a multipart body without its closing boundary, which
 * stores nothing.
 */
function mayHaveActed(ex: Exchange): boolean {
  return ex.outcomeUnknownOnLostAnswer === true && (ex.stream === undefined || ex.stream.body.readableEnded);
}

function answered(response: RawResponse, ex: Exchange, now: number): AttemptResult {
  const { status } = response;
  const accepted = (status >= 200 && status < 300) || ex.acceptStatus?.(status) === true;
  // Read only from a refusal: a Retry-After on a success asks nothing of this call.
  const retryAfterSeconds = accepted ? undefined : parseRetryAfter(response.headers, now);
  return { kind: 'answered', status, accepted, retryAfterSeconds };
}

/** The sleep before a retry, cut short by the caller (its reason rethrown) or by the deadline. */
async function pause(run: CallRun, ms: number, lostAttempt: boolean, o: ResolvedOptions): Promise<void> {
  try {
    await o.sleep(ms, run.deadline.signal);
  } catch (error) {
    const deadline = run.deadline.exceeded();
    if (deadline === undefined || error !== deadline) throw error;
    // The deadline ended a retry sleep: only an earlier lost attempt can have acted.
    throw errorFromFailure({
      operation: run.operation,
      kind: 'transport',
      outcomeUnknown: run.ex.outcomeUnknownOnLostAnswer === true && lostAttempt,
      outcomeUnknownAdvice: run.ex.outcomeUnknownAdvice,
      reason: deadline.message,
      timedOutAfterMs: deadline.ms,
      cause: error,
    });
  }
}
