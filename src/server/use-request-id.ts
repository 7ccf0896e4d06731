/**
 * Request ids over HTTP: `X-Request-Id` taken from the caller when well formed (1–128 letters, digits
 * and `._:-`), else generated; echoed on the response; the request runs in its scope
 * (src/telemetry/request-scope.ts), so that its log lines and upstream calls carry it; and the
 * context gets `requestId` and `log` (the request's child logger).
 */
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { currentRequestScope, requestIdFrom, requestScope, runInRequestScope, type RequestScope } from '../telemetry/request-scope.js';

export const REQUEST_ID_HEADER = 'x-request-id';

export function useRequestId(logger: Logger): Plugin<{ requestId?: string; log?: Logger }> {
  const scopes = new WeakMap<Request, RequestScope>();
  const scopeOf = (request: Request): RequestScope => {
    let scope = scopes.get(request);
    if (!scope) {
      scope = requestScope(logger, requestIdFrom(request.headers.get(REQUEST_ID_HEADER)));
      scopes.set(request, scope);
    }
    return scope;
  };
  return {
    instrumentation: {
      request: ({ request }, wrapped) => runInRequestScope(scopeOf(request), wrapped),
    },
    onContextBuilding({ context, extendContext }) {
      // Over WebSocket there is no fetch Request: the operation's scope was opened by the transport.
      const request = (context as { request?: Request }).request;
      const scope = request?.headers ? scopeOf(request) : currentRequestScope();
      if (scope) extendContext({ requestId: scope.requestId, log: scope.log });
    },
    onResponse({ request, response }) {
      response.headers.set(REQUEST_ID_HEADER, scopeOf(request).requestId);
    },
  };
}
