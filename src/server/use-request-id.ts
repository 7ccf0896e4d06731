/**
 * Request ids over HTTP: `X-Request-Id` taken from the caller when well formed (1–128 letters, digits
 * and `._:-`), else generated; echoed on the response; and the context gets `requestId` and `log`
 * (the request's child logger). The scope (src/telemetry/request-scope.ts) is kept per request here
 * and handed on explicitly: the gateway's context puts its id in every upstream call's options, the
 * request log and the internal-error log write with its logger.
 *
 * An id the caller chose is for correlation only, never a credential: what the upstream answered to
 * one request is not credited to another that sends the same id (the metrics' label slots are claimed
 * per request, src/telemetry/proven-requests.ts).
 */
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { requestIdFrom, requestScope, type RequestScope } from '../telemetry/request-scope.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Each request's scope, made on first use, for every plugin of one gateway. */
export interface RequestScopes {
  of(request: Request): RequestScope;
  /**
   * The scope of an operation's context: its HTTP request's, or over WebSocket (no fetch Request)
   * the one the transport put in the context as `requestScope` (graphql-ws-options.ts).
   */
  ofContext(context: unknown): RequestScope | undefined;
}

/** `traceIdOf`: the request's trace id when tracing is on (tracing.ts), put on its log lines. */
export function createRequestScopes(
  logger: Logger,
  traceIdOf?: (request: Request) => string | undefined,
): RequestScopes {
  const scopes = new WeakMap<Request, RequestScope>();
  const of = (request: Request): RequestScope => {
    let scope = scopes.get(request);
    if (!scope) {
      const requestId = requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
      scope = requestScope(logger, requestId, traceIdOf?.(request));
      scopes.set(request, scope);
    }
    return scope;
  };
  return {
    of,
    ofContext(context) {
      const { request, requestScope: given } = (context ?? {}) as { request?: Request; requestScope?: RequestScope };
      return request?.headers ? of(request) : given;
    },
  };
}

export function useRequestId(scopes: RequestScopes): Plugin<{ requestId?: string; log?: Logger }> {
  return {
    onContextBuilding({ context, extendContext }) {
      const scope = scopes.ofContext(context);
      if (scope) extendContext({ requestId: scope.requestId, log: scope.log });
    },
    onResponse({ request, response }) {
      response.headers.set(REQUEST_ID_HEADER, scopes.of(request).requestId);
    },
  };
}
