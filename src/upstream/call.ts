/**
 * One client call: the deadline, the caller's AbortSignal, the retry loop and the mapping of every
 * way it can end to either a response the endpoint accepts or an `UpstreamError`.
 *
 * Aborting: when the caller's signal aborts, the call rejects at once with `signal.reason` (what
 * `fetch` does; a plain `abort()` gives a DOMException named "AbortError"), not with an UpstreamError:
 * the gateway reads an aborted call as "the client left", and nobody is left to show an error to.
 *
 * The deadline covers the whole call, retries and their sleeps included, and is enforced by aborting
 * the same controller, so a hung connect, a slow header or a stalled body all end at the deadline.
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { redactSecrets } from '../secrets/secret-forms.js';
import { NotSentError, trackDispatch } from './dispatch-tracking.js';
import { UpstreamError } from './errors.js';
import { sendOnce } from './http.js';
import { withInputField } from './input-fields.js';
import { errorCode, errorFromFailure, errorFromResponse, failureKind } from './map-error.js';
import type { RawResponse } from './map-error.js';
import type { ResolvedOptions } from './options.js';
import { organizationPath } from './path.js';
import { RETRYABLE_STATUSES, backoffDelayMs, parseRetryAfter } from './retry.js';
import type { CallOptions, Credentials } from './types.js';

export interface Exchange {
  method: 'GET' | 'POST' | 'DELETE';
  /** Route template, the only form of the path that reaches logs and messages: `/jobs/{id}`. */
  route: string;
  /** Path below `/organizations/{org}`, ids already encoded with `segment()`. */
  path: string;
  query?: URLSearchParams;
  json?: unknown;
  /** A streamed body (the multipart upload). Such a call is never retried: the stream is consumed. */
  stream?: { body: Readable; contentType: string; source: Readable };
  /** Whether a failed attempt may be repeated (idempotent calls only). */
  retry: boolean;
  /** A lost answer means "may have happened" (job creation): `UPSTREAM_OUTCOME_UNKNOWN`. */
  outcomeUnknownOnLostAnswer?: boolean;
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

export type Call = (creds: Credentials, exchange: Exchange, opts: CallOptions | undefined) => Promise<CallResult>;

class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** A JWT, or any bearer token we would put in a header: visible ASCII only, so never a header injection. */
const TOKEN = /^[\x21-\x7e]+$/;

export function createCall(untracked: Dispatcher, o: ResolvedOptions): Call {
  const dispatcher = trackDispatch(untracked);
  const origin = o.baseUrl.origin;
  const basePath = o.basePath;

  return async function call(creds, ex, opts) {
    const operation = `${ex.method} ${ex.route}`;
    const signal = opts?.signal;
    const requestId = opts?.requestId;
    // What every log line of the call starts with: the request's id too, when the caller gave one.
    const about = requestId === undefined ? { operation } : { operation, requestId };
    let path: string;
    try {
      if (!TOKEN.test(creds.token)) {
        throw new UpstreamError('UNAUTHENTICATED', 'The service token is missing or malformed.', { operation });
      }
      const query = ex.query !== undefined && ex.query.size > 0 ? `?${ex.query.toString()}` : '';
      path = `${basePath}${organizationPath(creds.organizationId, ex.path)}${query}`;
    } catch (error) {
      ex.stream?.source.destroy();
      throw error;
    }
    const headers: Record<string, string> = { authorization: `Bearer ${creds.token}`, accept: 'application/json' };
    let body: string | Readable | undefined;
    if (ex.json !== undefined) {
      body = JSON.stringify(ex.json);
      headers['content-type'] = 'application/json';
    } else if (ex.stream !== undefined) {
      body = ex.stream.body;
      headers['content-type'] = ex.stream.contentType;
    }
    // The caller's own upload stream failing is the caller's error, passed back unchanged.
    let sourceError: unknown;
    ex.stream?.source.once('error', (error) => (sourceError = error));

    const deadlineMs = opts?.deadlineMs ?? ex.deadlineMs ?? o.deadlineMs;
    const deadlineAt = o.now() + deadlineMs;
    const controller = new AbortController();
    // Made only when the deadline fires: an Error per call (its stack captured) cost 2 % of the CPU
    // of a page that never times out (issue 10).
    let deadline: DeadlineExceeded | undefined;
    const timer = setTimeout(() => controller.abort((deadline = new DeadlineExceeded(deadlineMs))), deadlineMs);
    const onCallerAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    const maxAttempts = ex.retry && ex.stream === undefined ? o.retry.maxAttempts : 1;
    let lostAttempt = false;

    /** Sleeps before a retry unless it would end past the deadline; false means "give up now". */
    const pause = async (ms: number, attempt: number, why: Record<string, unknown>): Promise<boolean> => {
      if (o.now() + ms >= deadlineAt) return false;
      o.logger.debug({ ...about, attempt, delayMs: ms, ...why }, 'upstream call failed; retrying');
      await o.sleep(ms, controller.signal);
      return true;
    };

    try {
      if (signal?.aborted) throw signal.reason;
      for (let attempt = 1; ; attempt++) {
        let res: RawResponse;
        const observed = o.observer?.start({ method: ex.method, route: ex.route, attempt, requestId });
        try {
          res = await sendOnce(dispatcher, {
            method: ex.method,
            origin,
            path,
            headers: observed?.headers ? { ...observed.headers, ...headers } : headers,
            body,
            signal: controller.signal,
            headersTimeoutMs: o.headersTimeoutMs,
            bodyTimeoutMs: o.bodyTimeoutMs,
            maxResponseBytes: o.maxResponseBytes,
            operation,
          });
          observed?.end({ status: res.status });
        } catch (error) {
          observed?.end({ status: error instanceof UpstreamError ? (error.status ?? null) : null });
          if (signal?.aborted) {
            if (ex.outcomeUnknownOnLostAnswer && !(error instanceof NotSentError))
              o.logger.warn(about, 'caller aborted after sending; the outcome upstream is unknown');
            throw signal.reason;
          }
          if (sourceError !== undefined) throw sourceError;
          if (error instanceof UpstreamError) throw error;
          const timedOut = deadline !== undefined && controller.signal.reason === deadline;
          // A request still queued for a connection never reached the upstream, whatever ended it. A
          // deadline that fires mid-exchange cannot tell whether the upstream acted: assume it did.
          const notSent = error instanceof NotSentError;
          const kind = notSent ? 'connect' : timedOut ? 'transport' : failureKind(error);
          const reason = notSent
            ? `no connection free within ${deadlineMs} ms`
            : timedOut
              ? deadline!.message
              : errorName(error);
          if (kind !== 'other' && attempt < maxAttempts && !timedOut) {
            lostAttempt ||= kind === 'transport';
            if (await pause(backoffDelayMs(attempt, o.retry, o.random), attempt, { reason })) continue;
          }
          const mapped = errorFromFailure({
            operation,
            kind,
            outcomeUnknown: ex.outcomeUnknownOnLostAnswer === true,
            reason,
            cause: error,
          });
          o.logger.warn({ ...about, attempt, code: mapped.code, reason }, 'upstream call failed');
          throw mapped;
        }

        const ok = (res.status >= 200 && res.status < 300) || ex.acceptStatus?.(res.status) === true;
        if (ok || (lostAttempt && res.status === ex.acceptAfterLostAttempt)) {
          return { response: res, afterLostAttempt: lostAttempt };
        }
        // The upstream may echo what it was sent (the token, JSON-escaped, in base64…): every form goes.
        res.text = redactSecrets(res.text, [creds.token, ...(ex.secrets ?? [])]);
        const retryAfter = parseRetryAfter(res.headers, o.now());
        if (RETRYABLE_STATUSES.has(res.status) && attempt < maxAttempts) {
          lostAttempt ||= res.status === 502 || res.status === 504;
          const delay = retryAfter === undefined ? backoffDelayMs(attempt, o.retry, o.random) : retryAfter * 1000;
          if (await pause(delay, attempt, { status: res.status })) continue;
        }
        // A 502/504 (or 500) on a job creation is not "unavailable": the upstream may have acted.
        const mapped = errorFromResponse(res, operation, retryAfter, {
          outcomeUnknown: ex.outcomeUnknownOnLostAnswer === true,
          afterLostAttempt: lostAttempt,
        });
        if (
          mapped.code === 'UPSTREAM_ERROR' ||
          mapped.code === 'UPSTREAM_UNAVAILABLE' ||
          mapped.code === 'UPSTREAM_OUTCOME_UNKNOWN'
        ) {
          o.logger.warn(
            { ...about, attempt, status: res.status, upstreamCode: mapped.upstreamCode },
            'upstream call failed',
          );
        }
        throw ex.inputFields ? withInputField(mapped, ex.inputFields) : mapped;
      }
    } catch (error) {
      // A retry sleep cut short: by the caller (rethrow its reason) or by the deadline.
      if (signal?.aborted && error === signal.reason) throw error;
      if (deadline !== undefined && error === deadline) {
        // The deadline ended a retry sleep: only an earlier lost attempt can have acted.
        throw errorFromFailure({
          operation,
          kind: 'transport',
          outcomeUnknown: ex.outcomeUnknownOnLostAnswer === true && lostAttempt,
          reason: deadline.message,
          cause: error,
        });
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
      // undici destroys a stream body it could not send; make sure, since the caller handed it over.
      if (ex.stream !== undefined && !ex.stream.body.readableEnded) {
        ex.stream.body.destroy();
        ex.stream.source.destroy();
      }
    }
  };
}

/** A code or a class name, never an error's free-text message (which could quote anything). */
function errorName(error: unknown): string {
  return errorCode(error) ?? (error instanceof Error ? error.name : typeof error);
}
