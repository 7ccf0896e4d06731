/**
 * The request a piece of work belongs to, carried through async calls (AsyncLocalStorage): its id
 * and its logger. The HTTP request (src/server/use-request-id.ts) or the WebSocket operation opens the
 * scope; what runs inside it, upstream calls and their log lines included, finds the id here
 * without it being passed through every layer.
 *
 * Request ids are echoed in responses and logs, so only a safe alphabet is accepted from callers: an
 * id outside it is replaced by a generated one (not refused: a bad correlation header is no reason
 * to fail a request).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { UpstreamObserver } from '../upstream/observer.js';

export interface RequestScope {
  requestId: string;
  /** A child of the gateway's logger bound to `requestId`. */
  log: Logger;
}

/** 1 to 128 letters, digits and `._:-`. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const storage = new AsyncLocalStorage<RequestScope>();

export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}

export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The caller's `X-Request-Id` when it is well formed, else a new UUID. */
export function requestIdFrom(presented: string | null | undefined): string {
  return presented && REQUEST_ID_PATTERN.test(presented) ? presented : randomUUID();
}

/** A scope for `requestId` whose logger is a child of `logger`. */
export function requestScope(logger: Logger, requestId: string): RequestScope {
  return { requestId, log: logger.child({ requestId }) };
}

/**
 * pino `mixin`: adds the current request's id to every line logged within a request by a logger
 * that is not the request's own child (the upstream client's, the live updates'). Give it to the
 * root logger: `pino({ mixin: requestIdMixin })`.
 */
export function requestIdMixin(_merge: object, _level: number, logger: Logger): object {
  const scope = storage.getStore();
  if (!scope || logger.bindings()['requestId'] !== undefined) return {};
  return { requestId: scope.requestId };
}

/** Sends the current request's id to the upstream as `X-Request-Id`. */
export const requestIdToUpstream: UpstreamObserver = {
  start() {
    const scope = storage.getStore();
    return scope ? { headers: { 'x-request-id': scope.requestId }, end() {} } : undefined;
  },
};
