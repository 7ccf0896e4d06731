/**
 * The deadline of a request body that is not a multipart upload (a JSON query, a form): it must have
 * arrived HTTP_BODY_TIMEOUT_MS after the request's headers, or the request is answered 408 (with a
 * GraphQL-shaped error, when nothing was answered yet) and its connection closed.
 *
 * Without it such a body had only the whole request's timeout (HTTP_REQUEST_TIMEOUT_MS, 300 s, sized
 * for uploads): in a trial, 40 addresses each declaring `Content-Length: 100000` on 250 connections and
 * sending one byte every 5 s held all of MAX_CONNECTIONS, and every other client was refused until
 * they stopped. Such a body is at most MAX_REQUEST_BODY_BYTES, so a fixed deadline fits it where an
 * upload, of any size, needs a pace instead (upload-pace.ts).
 *
 * Checked from the Node request, beside whoever reads the body (the fast hits, yoga, a refused body's
 * drain): a reader still waiting sees its request cut, and yoga writes nothing to a response already
 * ended. A request without a body costs one look at its headers; one with a body, a timer cleared
 * when the body ends.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import { requestIdFrom } from '../telemetry/request-scope.js';
import { REQUEST_ID_HEADER } from './use-request-id.js';

/** Where a request cut is reported. */
export interface BodyDeadlineReports {
  logger: Logger;
  metrics: GatewayMetrics | null;
}

/** Starts the deadline of `req`'s body, when it has one that is not a multipart upload. */
export type BodyDeadline = (req: IncomingMessage, res: ServerResponse) => void;

/** `timeoutMs`: HTTP_BODY_TIMEOUT_MS (src/config-guard-variables.ts). */
export function createBodyDeadline(timeoutMs: number, { logger, metrics }: BodyDeadlineReports): BodyDeadline {
  const refusal = JSON.stringify({
    errors: [
      {
        message:
          `The request body did not arrive within ${timeoutMs} ms of its headers (HTTP_BODY_TIMEOUT_MS); ` +
          'the connection is closed.',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ],
  });
  const expire = (req: IncomingMessage, res: ServerResponse) => {
    if (req.complete || req.destroyed) return;
    metrics?.requestRefusedByLimit('http_body_timeout');
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER] as string | undefined);
    logger.info(
      {
        requestId,
        method: req.method,
        path: (req.url ?? '/').split('?')[0]!.slice(0, 200),
        status: 408,
        refused: 'body timeout',
      },
      'request',
    );
    if (res.headersSent) return void req.socket.destroy(); // answered already (a refusal): only the connection is left
    metrics?.response(408, 'BAD_USER_INPUT');
    res.writeHead(408, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(refusal),
      connection: 'close',
      [REQUEST_ID_HEADER]: requestId,
    });
    // Node closes the connection once the answer is written (`connection: close`).
    res.end(refusal);
  };
  return (req, res) => {
    const { headers } = req;
    const length = headers['content-length'];
    if (headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return;
    if (/^\s*multipart\/form-data/i.test(headers['content-type'] ?? '')) return; // its pace: upload-pace.ts
    const timer = setTimeout(expire, timeoutMs, req, res);
    const clear = () => clearTimeout(timer);
    req.once('end', clear).once('close', clear);
  };
}
