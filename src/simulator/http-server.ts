/**
 * What both simulators' HTTP servers do alike (Nscale's, server.ts and index.ts, and Together's,
 * together/): the request listener around each one's routing (its request log line, a dropped
 * connection for a `drop` fault, a body nobody read drained or the connection closed), listening and
 * the origin the server answers on, the validation of `setFaults`, and closing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { faultOptionsSchema, type FaultInjector } from './faults.js';
import type { SimulatorLogger } from './options.js';
import { writeReply, type Reply } from './reply.js';

/** What a request becomes: an answer, or a connection dropped without one; and its route, for the log. */
export interface Routed {
  outcome: Reply | 'drop';
  route: string;
}

/** Small bodies nobody read (`{}` sent to cancel) are drained so the connection can be kept alive. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

/** Whether the request's body was read to its end (drained here when small and left unread). */
export async function finishBody(req: IncomingMessage): Promise<boolean> {
  if (req.complete) return true;
  const declared = Number(req.headers['content-length']);
  if (!Number.isFinite(declared) || declared > DRAIN_LIMIT_BYTES || req.readableFlowing === false) return false;
  req.resume();
  await new Promise<void>((resolve) => {
    req.once('end', resolve);
    req.once('close', resolve);
  });
  return req.complete;
}

/** The listener that answers each request with what `route` makes of it, and logs it. */
export function routedListener(
  route: (req: IncomingMessage) => Promise<Routed>,
  logger: SimulatorLogger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    void route(req).then(({ outcome, route: name }) => {
      const ms = Math.round(performance.now() - started);
      if (outcome === 'drop') {
        logger.info({ method: req.method, route: name, dropped: true, ms }, 'request');
        req.socket.destroy();
        return;
      }
      logger.info({ method: req.method, route: name, status: outcome.status, ms }, 'request');
      void finishBody(req).then((drained) =>
        // Answered before a large body was read (a refusal, an upload over the limit): say so and
        // close, rather than read on a body nobody will use.
        writeReply(res, drained ? outcome : { ...outcome, headers: { ...outcome.headers, connection: 'close' } }),
      );
    });
  };
}

/** A server with `listener`, listening on `port` and `host`, and the origin to reach it at. */
export async function listen(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  port: number,
  host: string,
): Promise<{ server: Server; origin: string }> {
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { address, port: bound } = server.address() as AddressInfo;
  const shown =
    address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
  return { server, origin: `http://${shown}:${bound}` };
}

/** `setFaults` of a simulator: `next` checked, and a TypeError naming the first problem. */
export function setFaultsOn(faults: FaultInjector): (next: unknown) => void {
  return (next) => {
    const parsed = faultOptionsSchema.safeParse(next);
    if (!parsed.success)
      throw new TypeError(
        `setFaults: ${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    faults.set(parsed.data);
  };
}

/** Stops listening and ends every connection, kept-alive ones included. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
