/**
 * The HTTP request of a call, built once and sent by every attempt: the refusal of a token that
 * could inject a header, the path below the organization (for an upstream whose paths name one), and
 * the body with its content type. An exchange with its own `url` (a pre-signed upload link) goes
 * there without the token: the token only ever goes to the configured origin.
 */
import type { Readable } from 'node:stream';
import { UpstreamError } from './errors.js';
import type { HttpRequest } from './http.js';
import type { ResolvedOptions } from './options.js';
import { organizationPath } from './path.js';
import { NSCALE_DIALECT } from './dialect.js';
import type { CallCredentials } from './types.js';

/** A JWT, or any bearer token we would put in a header: visible ASCII only, so never a header injection. */
const TOKEN = /^[\x21-\x7e]+$/;

/** What `call.ts`'s `Exchange` says about the request itself. */
export interface RequestParts {
  method: HttpRequest['method'];
  /** Path below `/organizations/{org}` (or below the base URL, per the dialect), ids already encoded with `segment()`. */
  path: string;
  /**
   * An absolute URL outside the API, handed out by the upstream (Together's pre-signed upload link):
   * the request goes there as is, with no `Authorization` header. `path` is then unused.
   */
  url?: URL;
  query?: URLSearchParams;
  json?: unknown;
  /** A form body (`application/x-www-form-urlencoded`), as Together's upload start takes its fields. */
  form?: URLSearchParams;
  /** A streamed body (the multipart upload). Such a call is never retried: the stream is consumed. */
  stream?: { body: Readable; contentType: string; source: Readable; length?: number };
}

/** The request without its signal: each call has its own (call-deadline.ts). */
export type PreparedRequest = Omit<HttpRequest, 'signal'>;

/**
 * Everything an attempt sends but the observer's headers. Throws (an UpstreamError) on a malformed
 * token or an id that cannot be a path segment, after destroying the upload the caller handed over.
 */
export function buildRequest(
  creds: CallCredentials,
  ex: RequestParts,
  operation: string,
  o: ResolvedOptions,
): PreparedRequest {
  let path: string;
  try {
    if (!TOKEN.test(creds.token)) {
      throw new UpstreamError('UNAUTHENTICATED', 'The service token is missing or malformed.', { operation });
    }
    const query = ex.query !== undefined && ex.query.size > 0 ? `?${ex.query.toString()}` : '';
    const scoped = (o.dialect ?? NSCALE_DIALECT).organizationPaths
      ? organizationPath(creds.organizationId ?? '', ex.path)
      : ex.path;
    path = ex.url === undefined ? `${o.basePath}${scoped}${query}` : `${ex.url.pathname}${ex.url.search}`;
  } catch (error) {
    ex.stream?.source.destroy();
    throw error;
  }
  const headers: Record<string, string> =
    ex.url === undefined ? { authorization: `Bearer ${creds.token}`, accept: 'application/json' } : {};
  let body: string | Readable | undefined;
  if (ex.json !== undefined) {
    body = JSON.stringify(ex.json);
    headers['content-type'] = 'application/json';
  } else if (ex.form !== undefined) {
    body = ex.form.toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (ex.stream !== undefined) {
    body = ex.stream.body;
    headers['content-type'] = ex.stream.contentType;
    // Known up front, the length is sent (a pre-signed storage PUT wants it); else undici goes chunked.
    if (ex.stream.length !== undefined) headers['content-length'] = String(ex.stream.length);
  }
  return {
    method: ex.method,
    origin: ex.url?.origin ?? o.baseUrl.origin,
    path,
    headers,
    body,
    headersTimeoutMs: o.headersTimeoutMs,
    bodyTimeoutMs: o.bodyTimeoutMs,
    maxResponseBytes: o.maxResponseBytes,
    operation,
  };
}
