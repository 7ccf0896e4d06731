/**
 * One HTTP exchange with the upstream through undici's `request()` on the client's dispatcher: send,
 * then read the whole (small, JSON) answer. The body is always consumed, or destroyed when too large
 * or when the exchange fails, so that keep-alive connections go back to the pool instead of leaking.
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { sendWhenDispatched, type TrackedOptions } from './dispatch-tracking.js';
import { UpstreamError } from './errors.js';
import type { RawResponse } from './map-error.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Always the configured upstream's origin: the only place a token is sent. */
  origin: string;
  /** Absolute path with the query, every id already percent-encoded. Sent as is, not re-parsed. */
  path: string;
  headers: Record<string, string>;
  body?: string | Readable;
  signal: AbortSignal;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxResponseBytes: number;
  /** `METHOD /route` for the too-large message. */
  operation: string;
}

/**
 * `dispatcher` must be wrapped by `trackDispatch`: a failure before the request left the connection
 * queue (an abort included, answered at once) rejects with `NotSentError`.
 */
export async function sendOnce(dispatcher: Dispatcher, req: HttpRequest): Promise<RawResponse> {
  const res = await sendWhenDispatched(req.signal, (onDispatched) => {
    const options: Dispatcher.RequestOptions & TrackedOptions = {
      origin: req.origin,
      path: req.path,
      method: req.method,
      headers: req.headers,
      body: req.body ?? null,
      signal: req.signal,
      headersTimeout: req.headersTimeoutMs,
      bodyTimeout: req.bodyTimeoutMs,
      onDispatched,
    };
    return dispatcher.request(options);
  });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > req.maxResponseBytes) {
        throw new UpstreamError(
          'UPSTREAM_ERROR',
          `${req.operation}: the response is larger than ${req.maxResponseBytes} bytes.`,
          { status: res.statusCode, operation: req.operation, advice: tooLargeAdvice(req.method, res.statusCode) },
        );
      }
      chunks.push(buffer);
    }
  } catch (error) {
    // Leaving the loop early does not always destroy undici's body; do it, or the socket stays busy.
    res.body.destroy();
    throw error;
  }
  return { status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') };
}

/**
 * What to do about an answer over `maxResponseBytes`: whether the request took effect (a read changes
 * nothing; a write the service answered with 2xx did happen), and who can lift the limit.
 */
function tooLargeAdvice(method: HttpRequest['method'], status: number): string {
  const operator = "tell the gateway's operator, who can raise the upstream client's maxResponseBytes.";
  if (method === 'GET') return `Nothing was changed, and asking again gets the same answer: ${operator}`;
  if (status >= 200 && status < 300)
    return (
      `The service did carry the request out (HTTP ${status}): only its answer could not be read, so ` +
      `do not send it again as it is; ${operator}`
    );
  return `The service refused the request (HTTP ${status}) with an answer too large to read: ${operator}`;
}
