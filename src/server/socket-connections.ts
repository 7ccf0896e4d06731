/**
 * What graphql-ws keeps per WebSocket connection for the gateway, made on first use: its request
 * scope (the upgrade request's `X-Request-Id`, or a generated one, and a logger bound to it) and its
 * caller (caller.ts: connectionParams and the upgrade request, both fixed once the connection is
 * initialised). Every operation of the connection gets them in its context (create-context-factory.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { requestIdFrom, requestScope, type RequestScope } from '../telemetry/request-scope.js';
import { readCaller, type Caller } from './caller.js';

/** graphql-ws's `extra` under `graphql-ws/use/ws`. */
export interface SocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
}

export type SocketContext = Context<Record<string, unknown>, SocketExtra>;

export interface SocketConnections {
  scopeOf(extra: SocketExtra): RequestScope;
  /** Read once `connection_init` has been received (graphql-ws admits no operation before). */
  callerOf(ctx: SocketContext): Caller;
}

export function createSocketConnections(logger: Logger): SocketConnections {
  const scopes = new WeakMap<WebSocket, RequestScope>();
  const callers = new WeakMap<WebSocket, Caller>();
  return {
    scopeOf(extra) {
      let scope = scopes.get(extra.socket);
      if (!scope) {
        const header = extra.request.headers['x-request-id'];
        scope = requestScope(logger, requestIdFrom(Array.isArray(header) ? header[0] : header));
        scopes.set(extra.socket, scope);
      }
      return scope;
    },
    callerOf(ctx) {
      let caller = callers.get(ctx.extra.socket);
      if (!caller) {
        const connectionParams = ctx.connectionParams ?? {};
        caller = readCaller({ transport: 'ws', connectionParams, request: ctx.extra.request });
        callers.set(ctx.extra.socket, caller);
      }
      return caller;
    },
  };
}
