/**
 * Together's weights as a stream (`GET /finetune/download`), for the gateway's own download links
 * (src/server/use-downloads.ts). Every other call reads its answer whole (../http.ts); this one hands
 * the body on as undici gives it, so that gigabytes pass through without being held: the reader's pace
 * is the download's (undici stops reading the socket while the body is not read, and its body timeout
 * does not run meanwhile), and destroying the body, or aborting `signal`, ends the exchange.
 *
 * One attempt, never retried (a retry would restart a transfer the client is already reading). The
 * request goes to the configured origin only, on a path the gateway built (`getDownloadUrl`, kept in a
 * download grant); any other path is refused before anything is sent. An answer other than 200, 206
 * or 416 is an `UpstreamError` by its status, its body dropped unread: what the client of the link
 * sees is the gateway's own sentence, never the upstream's words.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { UpstreamError } from '../errors.js';
import { errorCode, errorFromFailure, errorFromResponse, failureKind } from '../map-error.js';
import type { ResolvedOptions } from '../options.js';
import { parseRetryAfter } from '../retry.js';
import type { BearerCredentials } from '../types.js';

/** The route template the observer (metrics, traces) is told: never the job's id. */
export const DOWNLOAD_ROUTE = '/finetune/download';
const OPERATION = `GET ${DOWNLOAD_ROUTE}`;
/** A token or a path: visible ASCII without spaces. */
const TOKEN = /^[\x21-\x7e]+$/;
/** A header value passed on (`If-Range` may be a date): printable ASCII, so never a header injection. */
const VISIBLE = /^[\x21-\x7e][\x20-\x7e]*$/;

export interface OpenDownloadOptions {
  /** Aborting it (the client of the link left) ends the exchange, its body included. */
  signal: AbortSignal;
  /** Told to the observer (which sends it on as `x-request-id`). */
  requestId?: string;
  /** The client's `Range` and `If-Range`, passed on as they are (Together may answer 206, or ignore them). */
  range?: string | null;
  ifRange?: string | null;
}

export interface TogetherDownload {
  /** 200 (the whole file), 206 (the range asked), or 416 (the range cannot be served: `body` is null). */
  status: 200 | 206 | 416;
  headers: IncomingHttpHeaders;
  body: Readable | null;
}

export type OpenDownload = (
  creds: BearerCredentials,
  upstreamPath: string,
  opts: OpenDownloadOptions,
) => Promise<TogetherDownload>;

export function downloadStream(dispatcher: Dispatcher, o: ResolvedOptions): OpenDownload {
  const prefix = `${o.basePath}${DOWNLOAD_ROUTE}?`;
  return async (creds, upstreamPath, opts) => {
    if (!upstreamPath.startsWith(prefix) || !TOKEN.test(upstreamPath))
      throw new Error(`not a download path of the configured Together API (expected ${prefix}…)`);
    if (!TOKEN.test(creds.token))
      throw new UpstreamError('UNAUTHENTICATED', 'The service token is missing or malformed.', {
        operation: OPERATION,
      });
    const observed = o.observer?.start({
      method: 'GET',
      route: DOWNLOAD_ROUTE,
      attempt: 1,
      ...(opts.requestId === undefined ? {} : { requestId: opts.requestId }),
    });
    const passed = (value: string | null | undefined) => (value && VISIBLE.test(value) ? value : undefined);
    const range = passed(opts.range);
    const ifRange = range === undefined ? undefined : passed(opts.ifRange);
    let answer: Dispatcher.ResponseData;
    try {
      answer = await dispatcher.request({
        origin: o.baseUrl.origin,
        path: upstreamPath,
        method: 'GET',
        headers: {
          ...observed?.headers,
          authorization: `Bearer ${creds.token}`,
          accept: 'application/octet-stream, */*',
          ...(range === undefined ? {} : { range }),
          ...(ifRange === undefined ? {} : { 'if-range': ifRange }),
        },
        signal: opts.signal,
        headersTimeout: o.headersTimeoutMs,
        bodyTimeout: o.bodyTimeoutMs,
      });
    } catch (error) {
      observed?.end({ status: null });
      if (opts.signal.aborted) throw opts.signal.reason;
      throw errorFromFailure({
        operation: OPERATION,
        kind: failureKind(error),
        outcomeUnknown: false,
        reason: errorCode(error) ?? (error instanceof Error ? error.name : 'failed'),
        cause: error,
      });
    }
    observed?.end({ status: answer.statusCode });
    const { statusCode: status, headers, body } = answer;
    if (status === 200 || status === 206) return { status, headers, body };
    // Nothing of a refusal is read: its words are the upstream's, and the link's client sees ours.
    dropBody(body);
    if (status === 416) return { status, headers, body: null };
    throw errorFromResponse({ status, headers, text: '' }, OPERATION, parseRetryAfter(headers, o.now()));
  };
}

/** Ends a body unread (its connection closed): undici reports that as an error, which nobody needs. */
export function dropBody(body: Readable): void {
  body.once('error', () => undefined);
  body.destroy();
}
