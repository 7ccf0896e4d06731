/**
 * WebSocket keep-alive (WS_PING_INTERVAL_MS): a ping to every socket each interval, so that a quiet
 * graphql-ws subscription (a job queued for an hour) is not cut by the idle timeout of a proxy or a
 * cloud load balancer in between (nginx's `proxy_read_timeout`, often 60 s on load balancers), and so
 * that a peer gone without closing (a laptop put to sleep, a dropped mobile link) is noticed by the
 * gateway within two intervals instead of by TCP's own timeouts: a socket that has not answered the
 * previous ping with a pong is cut (`terminate()`, no close handshake with a peer that is not there).
 * Browsers and the `ws` client answer pings by themselves; graphql-ws clients need nothing.
 *
 * One timer for every socket, and one `pong` listener per socket (a shared function, no closure).
 */
import type { WebSocket, WebSocketServer } from 'ws';

export function pingSockets(
  wss: WebSocketServer,
  intervalMs: number,
  onDead: (socket: WebSocket) => void = () => {},
): { stop(): void } {
  if (intervalMs <= 0) return { stop() {} };
  const awaitingPong = new WeakSet<WebSocket>();
  function answered(this: WebSocket) {
    awaitingPong.delete(this);
  }
  wss.on('connection', (socket) => socket.on('pong', answered));
  const timer = setInterval(() => {
    for (const socket of wss.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (awaitingPong.has(socket)) {
        onDead(socket);
        socket.terminate();
        continue;
      }
      awaitingPong.add(socket);
      socket.ping();
    }
  }, intervalMs);
  // The sockets keep the process alive, not their pings.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
