/**
 * Closes WebSockets that hold a connection for nothing: one whose `connection_init` brought no token
 * and that has had no operation running for `idleMs`. graphql-ws's own `connectionInitWaitTimeout`
 * covers only the wait for `connection_init`: an empty one is acknowledged, and the socket would then
 * stay open for as long as its client likes (thousands of them, each a file descriptor). A socket with
 * a token is left alone (its operations are rate-limited per caller), and so is one while an
 * operation runs on it.
 *
 * Closed with 4401 (graphql-ws's Unauthorized): a graphql-ws client does not retry it, and a lazy
 * one (the dashboard's, GraphiQL's) opens a new socket with its next operation.
 */
import type { WebSocket } from 'ws';
import type { SocketOperations } from '../graphql-ws-options.js';

export const IDLE_CLOSE_CODE = 4401;

export interface IdleSockets {
  /** After `connection_init`: watches the socket when it brought no token. */
  opened(socket: WebSocket, hasToken: boolean): void;
  /** `operations`, telling this module when each starts and ends. */
  track(operations: SocketOperations): SocketOperations;
}

export function createIdleSockets(options: { idleMs: number; onClose?: () => void }): IdleSockets {
  const watched = new WeakMap<WebSocket, { running: Set<string>; timer: NodeJS.Timeout | null }>();
  const arm = (socket: WebSocket) => {
    const state = watched.get(socket);
    if (!state || state.timer || state.running.size > 0) return;
    state.timer = setTimeout(() => {
      state.timer = null;
      if (state.running.size > 0 || socket.readyState !== socket.OPEN) return;
      options.onClose?.();
      socket.close(IDLE_CLOSE_CODE, 'Unauthorized: idle without credentials');
    }, options.idleMs);
  };
  const disarm = (socket: WebSocket) => {
    const state = watched.get(socket);
    if (state?.timer) clearTimeout(state.timer);
    if (state) state.timer = null;
  };
  return {
    opened(socket, hasToken) {
      if (hasToken || watched.has(socket)) return;
      watched.set(socket, { running: new Set(), timer: null });
      socket.once('close', () => disarm(socket));
      arm(socket);
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
