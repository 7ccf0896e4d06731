/**
 * Closes WebSockets that hold a connection for nothing: one that has had no operation running for
 * `idleMs` and whose caller is not known to be real, that is whose `connection_init` brought no
 * token, or a token the upstream has not yet accepted on this instance. graphql-ws's own
 * `connectionInitWaitTimeout` covers only the wait for `connection_init`: an empty one is
 * acknowledged, and the socket would then stay open for as long as its client likes (thousands of
 * them, each a file descriptor). A made-up token did the same: any string passed for a credential.
 * A token is proven once an operation of a socket carrying it has had an upstream call accepted
 * (the subscription's access check, a query's call); every socket with that token is then left
 * alone (its operations are rate-limited per caller), as is any socket while an operation runs on it.
 *
 * Proven tokens are remembered by their key (rate-limit-key.ts: a hash, never the token), the `maxProven` most recent.
 *
 * Closed with 4401 (graphql-ws's Unauthorized): a graphql-ws client does not retry it, and a lazy
 * one (the dashboard's) opens a new socket with its next operation.
 */
import { LRUCache } from 'lru-cache';
import type { WebSocket } from 'ws';
import type { SocketOperations } from '../graphql-ws-options.js';
import { tokenKey } from '../rate-limit-key.js';

export const IDLE_CLOSE_CODE = 4401;

export interface IdleSockets {
  /** After `connection_init`: watches the socket unless its token is proven. */
  opened(socket: WebSocket, token: string | null): void;
  /** The upstream accepted the credentials of one of the socket's operations: its token is proven. */
  proven(socket: WebSocket): void;
  /** `operations`, telling this module when each starts and ends. */
  track(operations: SocketOperations): SocketOperations;
}

interface Watched {
  running: Set<string>;
  timer: NodeJS.Timeout | null;
  /** The socket's token as the rate limit keys it (a hash, never the token); null without one. */
  token: string | null;
}

export function createIdleSockets(options: { idleMs: number; onClose?: () => void; maxProven?: number }): IdleSockets {
  const watched = new WeakMap<WebSocket, Watched>();
  const provenTokens = new LRUCache<string, true>({ max: options.maxProven ?? 10_000 });
  const isProven = (state: Watched) => state.token !== null && provenTokens.has(state.token);
  const arm = (socket: WebSocket) => {
    const state = watched.get(socket);
    if (!state || state.timer || state.running.size > 0) return;
    state.timer = setTimeout(() => {
      state.timer = null;
      if (isProven(state)) return void watched.delete(socket);
      if (state.running.size > 0 || socket.readyState !== socket.OPEN) return;
      options.onClose?.();
      socket.close(
        IDLE_CLOSE_CODE,
        state.token === null ? 'Unauthorized: idle without credentials' : 'Unauthorized: idle, its token not accepted',
      );
    }, options.idleMs);
  };
  const disarm = (socket: WebSocket) => {
    const state = watched.get(socket);
    if (state?.timer) clearTimeout(state.timer);
    if (state) state.timer = null;
  };
  return {
    opened(socket, token) {
      if (watched.has(socket)) return;
      const state: Watched = { running: new Set(), timer: null, token: token === null ? null : tokenKey(token) };
      if (isProven(state)) return;
      watched.set(socket, state);
      socket.once('close', () => disarm(socket));
      arm(socket);
    },
    proven(socket) {
      const state = watched.get(socket);
      if (!state || state.token === null) return;
      provenTokens.set(state.token, true);
      disarm(socket);
      watched.delete(socket);
    },
    track(operations) {
      return {
        start(socket, id) {
          const controller = operations.start(socket, id);
          watched.get(socket)?.running.add(id);
          disarm(socket);
          return controller;
        },
        end(socket, id) {
          operations.end(socket, id);
          const state = watched.get(socket);
          if (state?.running.delete(id)) arm(socket);
        },
      };
    },
  };
}
