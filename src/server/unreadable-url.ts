/**
 * A request whose URL cannot be read is refused before yoga. yoga's Node adapter makes the request's
 * URL from its `Host` header and path (`http://<Host><path>`), and a value that is no host (`Host: a b`,
 * `Host: [`, a port past 65535) made it throw before any plugin ran: its default handler answered 500
 * with the stack trace in text, the install's paths included, and nothing was logged. Such a request
 * now gets 400 with a GraphQL-shaped error naming the header (never its text: it is the client's), a
 * log line, and its count in `gateway_responses_total`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import { requestIdFrom } from '../telemetry/request-scope.js';
import { REQUEST_ID_HEADER } from './use-request-id.js';

const REFUSAL = JSON.stringify({
  errors: [
    {
      message: 'The request cannot be read: its Host header is not a host name (with an optional port) nor an address.',
      extensions: { code: 'BAD_REQUEST' },
    },
  ],
});

/** Whether yoga could read the URL of `req` (as its Node adapter makes it). */
export function readableUrl(req: IncomingMessage): boolean {
  try {
    new URL(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`);
    return true;
  } catch {
    return false;
  }
}

/** Answers `req` with 400, logs it (the Host shown bounded, as JSON escapes it) and counts it. */
export function refuseUnreadableUrl(
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
  metrics: GatewayMetrics | null,
): void {
  // A request id and a line shaped as every other request's (use-request-log.ts), so that the operator finds it.
  const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER] as string | undefined);
  res.writeHead(400, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(REFUSAL),
    [REQUEST_ID_HEADER]: requestId,
  });
  res.end(REFUSAL);
  metrics?.response(400, 'BAD_REQUEST');
  logger.info(
    {
      requestId,
      method: req.method,
      path: (req.url ?? '/').split('?')[0]!.slice(0, 200),
      status: 400,
      host: (req.headers.host ?? '').slice(0, 200),
      refused: 'unreadable Host header',
    },
    'request',
  );
}
