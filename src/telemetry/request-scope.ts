/**
 * The request a piece of work belongs to: its id and its logger. Passed explicitly, never through
 * AsyncLocalStorage: on Node 20 an entered AsyncLocalStorage turns on promise hooks for every promise
 * of the process (measured: about 15 % of a request's CPU). The HTTP request
 * (src/server/use-request-id.ts) or the WebSocket connection (src/server/graphql-ws-options.ts) makes
 * the scope; the gateway's context hands its id to every upstream call (`CallOptions.requestId`).
 *
 * Request ids are echoed in responses and logs, so only a safe alphabet is accepted from callers: an
 * id outside it is replaced by a generated one (not refused: a bad correlation header is no reason
 * to fail a request).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { UpstreamObserver } from '../upstream/observer.js';

export interface RequestScope {
  requestId: string;
  /** A child of the gateway's logger bound to `requestId`, and to `traceId` when tracing is on. */
  log: Logger;
}

/** 1 to 128 letters, digits and `._:-`. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `X-Request-Id` when it is well formed, else a new UUID. */
export function requestIdFrom(presented: string | null | undefined): string {
  return presented && REQUEST_ID_PATTERN.test(presented) ? presented : randomUUID();
}

/**
 * A scope for `requestId` whose logger is a child of `logger`. `traceId` (tracing.ts's `traceIdOf`)
 * joins the request's log lines to its trace.
 */
export function requestScope(logger: Logger, requestId: string, traceId?: string): RequestScope {
  return { requestId, log: logger.child(traceId ? { requestId, traceId } : { requestId }) };
}

/** Sends the id of the request an exchange belongs to (its call's `requestId`) to the upstream as `X-Request-Id`. */
export const requestIdToUpstream: UpstreamObserver = {
  start({ requestId }) {
    return requestId === undefined ? undefined : { headers: { 'x-request-id': requestId }, end() {} };
  },
};
