/**
 * What happens to a request body the gateway refused (too large) before reading it whole, while the
 * client is still sending it.
 *
 * Closing the connection at once looks cheaper but is what clients cannot read: the bytes still
 * arriving at a closed socket make the kernel answer with a reset, which often reaches the client
 * before it has read the 413, so it sees ECONNRESET and never the reason. So the rest of the body is
 * read and thrown away (the connection then stays usable), for at most `lingerMs`; a client that is
 * still sending after that (an endless body) has had its answer on the wire for that long, and the
 * connection is closed.
 */
import type { IncomingMessage } from 'node:http';

/** How long a refused body may go on arriving before its connection is closed. */
export const REFUSED_BODY_LINGER_MS = 10_000;

export function drainRefusedBody(req: IncomingMessage, lingerMs = REFUSED_BODY_LINGER_MS): void {
  if (req.complete || req.destroyed) return;
  const timer = setTimeout(() => req.socket.destroy(), lingerMs);
  timer.unref();
  req.once('close', () => clearTimeout(timer));
  req.on('error', () => {}); // A client that gives up meanwhile is no error of ours.
  req.resume();
}
