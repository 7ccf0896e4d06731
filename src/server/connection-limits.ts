/**
 * Bounds on the TCP connections of the HTTP/WebSocket server, so that one client (or many slow ones)
 * cannot take every file descriptor: a total (Node's own `maxConnections`, which closes a connection
 * past it as it arrives), a count per client address (closed the same way, before any byte is
 * parsed; an IPv6 client by its /64, address-group.ts), and the time a client may take over its headers
 * and its whole request (its body, when not an upload: body-deadline.ts).
 *
 * Behind a load balancer every connection has the balancer's address: the per-address count is then
 * the balancer's, and the settings say to raise it or turn it off (0).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Settings } from '../config.js';
import { addressGroup } from './address-group.js';

export type ConnectionLimits = Settings['connections'];

/** Which limit closed a connection (a label of `gateway_connections_refused_total`). */
export type ConnectionRefusal = 'max_connections' | 'max_connections_per_address';

export interface ConnectionCount {
  /** TCP connections open now. */
  open(): number;
}

/** Node's timeout checks run this often by default (30 s), which would stretch a 10 s header timeout to 40. */
const CHECK_INTERVAL_MS = 1_000;

/** The server's options from the limits, for `createServer`. */
export function serverTimeouts(limits: ConnectionLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    // Node requires requestTimeout ≥ headersTimeout unless it is off (0).
    requestTimeout: limits.requestTimeoutMs === 0 ? 0 : Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    connectionsCheckingInterval: Math.min(CHECK_INTERVAL_MS, limits.headersTimeoutMs),
  };
}

export function limitConnections(
  server: Server,
  limits: ConnectionLimits,
  refused: (limit: ConnectionRefusal) => void,
): ConnectionCount {
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => refused('max_connections'));
  const perAddress = new Map<string, number>();
  let open = 0;
  // Prepended: a refused connection is destroyed before the HTTP parser has read anything from it.
  server.prependListener('connection', (socket: Socket) => {
    const address = addressGroup(socket.remoteAddress ?? ''); // IPv6: its /64
    const count = (perAddress.get(address) ?? 0) + 1;
    if (limits.maxConnectionsPerAddress > 0 && count > limits.maxConnectionsPerAddress) {
      socket.destroy();
      refused('max_connections_per_address');
      return;
    }
    perAddress.set(address, count);
    open += 1;
    socket.once('close', () => {
      open -= 1;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
  return { open: () => open };
}
