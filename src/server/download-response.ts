/**
 * What the client of a download link receives (use-downloads.ts): the upstream's answer passed
 * through with only the headers that describe the file, or a short plain sentence of the gateway's
 * own. Nothing the upstream wrote besides those headers reaches the client: not its error bodies, not
 * its other headers (cookies, its request ids). Every answer is private and never stored by a cache
 * on the way (the link is a bearer credential, and its file is someone's weights).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { DownloadOutcome } from '../telemetry/download-metrics.js';
import { isUpstreamError } from '../upstream/errors.js';
import type { TogetherDownload } from '../upstream/together/download-stream.js';
import type { DownloadGrantKey } from '../webhooks/download-grant-store.js';

/** The upstream's headers that describe the file or the range, passed on when present. */
const PASSED = [
  'content-type',
  'content-length',
  'content-range',
  'content-encoding',
  'accept-ranges',
  'etag',
  'last-modified',
] as const;

/** A header value passed on as is: printable ASCII only (a disposition with anything else is replaced by ours). */
const PRINTABLE = /^[\x20-\x7e]+$/;

const PRIVATE = {
  'cache-control': 'private, no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

type ResponseClass = typeof Response;

/** A refusal or failure: its status, the gateway's sentence, and what it counts as. */
export interface Refusal {
  status: number;
  message: string;
  outcome: DownloadOutcome;
  headers?: Record<string, string>;
}

export function refusalResponse(refusal: Refusal, Res: ResponseClass): Response {
  return new Res(`${refusal.message}\n`, {
    status: refusal.status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...PRIVATE, ...refusal.headers },
  });
}

/** The file name a download gets when the upstream names none: `ft-….adapter.tar.gz`. */
export function fileNameOf(grant: Pick<DownloadGrantKey, 'jobId' | 'artifact' | 'step'>): string {
  const step = grant.step === null ? '' : `-step-${grant.step}`;
  return `${grant.jobId.replace(/[^\w.-]+/g, '_')}${step}-${grant.artifact}.tar.gz`;
}

/** The upstream's answer (200, 206, 416), streamed on: `body` is piped, never read here; null for HEAD and 416. */
export function passedResponse(
  download: TogetherDownload,
  body: Readable | null,
  fileName: string,
  Res: ResponseClass,
): Response {
  const headers: Record<string, string> = { ...PRIVATE };
  for (const name of PASSED) {
    const value = single(download.headers, name);
    if (value !== undefined && PRINTABLE.test(value)) headers[name] = value;
  }
  headers['content-type'] ??= 'application/octet-stream';
  const disposition = single(download.headers, 'content-disposition');
  headers['content-disposition'] =
    disposition !== undefined && PRINTABLE.test(disposition) && /filename/i.test(disposition)
      ? disposition
      : `attachment; filename="${fileName}"`;
  // Node's Readable is a body the fetch ponyfill pipes to the socket (and destroys when the client leaves).
  return new Res(body as unknown as BodyInit | null, { status: download.status, headers });
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * What the link's client is told when the upstream did not serve the file: 404 when it no longer has
 * it, 503 (with the upstream's `Retry-After`) when it is unavailable or asks to slow down, 502 when it
 * refused the key kept for the link, or failed. Null for what is no upstream failure (a bug).
 */
export function upstreamRefusal(error: unknown): Refusal | null {
  if (!isUpstreamError(error)) return null;
  switch (error.code) {
    case 'NOT_FOUND':
      return {
        status: 404,
        message: 'The file of this download link is no longer available.',
        outcome: 'upstream_missing',
      };
    case 'UPSTREAM_UNAVAILABLE':
    case 'RATE_LIMITED': {
      const after = error.retryAfterSeconds;
      return {
        status: 503,
        message: 'The fine-tuning service is unavailable right now: try the link again shortly.',
        outcome: 'upstream_unavailable',
        ...(after === undefined ? {} : { headers: { 'retry-after': String(after) } }),
      };
    }
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return {
        status: 502,
        message: 'The fine-tuning service refused this download: ask for a new link.',
        outcome: 'upstream_refused',
      };
    default:
      return {
        status: 502,
        message: 'The fine-tuning service failed to serve this download.',
        outcome: 'upstream_failed',
      };
  }
}
