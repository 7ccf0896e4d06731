/**
 * Every WebSocket message's nesting, checked on its text before graphql-ws parses it (json-depth.ts):
 * `connection_init` included, so before any credentials are read. graphql-ws's ws adapter
 * (`graphql-ws/use/ws`) parses each message in its own `message` listener, with no hook before
 * `JSON.parse`; its listener is taken off the socket here and called from one that scans first. The
 * message is decoded once, here: the adapter's `String(message)` of a string is the string itself.
 *
 * A message past the bound closes the socket with 4400, graphql-ws's code for a message it cannot take,
 * and the messages still arriving on it are dropped.
 */
import type { WebSocket } from 'ws';
import { jsonDepthPast, MAX_JSON_DEPTH } from '../json-depth.js';

/** graphql-ws's own code for a bad message (CloseCode.BadRequest). */
export const BAD_REQUEST_CLOSE = 4400;

type MessageListener = (this: WebSocket, data: unknown, isBinary: boolean) => void;

/** Call once the socket's other `message` listeners (graphql-ws's) are attached: the connection event after them. */
export function refuseDeepMessages(socket: WebSocket, refused: () => void): void {
  const listeners = socket.listeners('message') as MessageListener[];
  socket.removeAllListeners('message');
  let closed = false;
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (closed) return;
    const text = String(data);
    if (jsonDepthPast(text) !== -1) {
      closed = true;
      refused();
      socket.close(BAD_REQUEST_CLOSE, `Message nested more than ${MAX_JSON_DEPTH} levels deep`);
      return;
    }
    for (const listener of listeners) listener.call(socket, text, isBinary);
  });
}
