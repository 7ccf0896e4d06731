/**
 * The HTTP side of a graceful stop (http.ts's `close()`): the responses in progress, and the idle
 * keep-alive connections that a proxy pools (the shipped nginx's upstream `keepalive 32`).
 *
 * Node's `http.Server#close()` stops listening and, since Node 19, also destroys every idle keep-alive
 * connection at once (lib/_http_server.js: `httpServerPreClose` calls `closeIdleConnections()`). A
 * proxy may be writing a request on one of them at that instant: it gets a reset and, for a POST (not
 * idempotent), does not try another instance; its client gets a 502 (operator trial 3, finding 5).
 *
 * So the drain only stops listening (net.Server's own `close()`), and from then on every answer, and
 * every answer not yet begun, says `Connection: close`: the client (the proxy) closes that connection
 * itself once it has read the answer, and nothing needs retrying. The connections still idle are
 * closed later, when the proxy has evidently stopped sending here: once no request has begun for
 * `quietMs` (a proxy that found the port closed sends elsewhere; nginx marks the instance failed), or
 * at the end of the drain period (`drainMs`) at the latest; at once when no connection is left. Those
 * are connections idle since the drain began, the least likely to be picked by a proxy (nginx reuses
 * its most recent connection first). Node's header and request timeouts keep running until `end()`.
 */
import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';

/** No request for this long: the proxies in front have stopped sending to this instance. */
const QUIET_MS = 500;
/** How often the drain looks whether its idle connections may be closed. */
const CHECK_MS = 25;

export interface HttpDrain {
  /** Every request, as it arrives (the request listener's first step). */
  track(res: ServerResponse): void;
  /** Stops listening and starts the drain; the idle connections are closed within `drainMs`. */
  begin(): void;
  /**
   * Resolves once the requests in flight, and those sent meanwhile on connections kept alive, are
   * answered: by themselves within `drainMs` of `begin()`, or else after `abort.queries()` (the
   * queries waiting for the upstream answered with a coded error) and `answerMs` more, the mutations
   * still running ended (`abort.mutations()`) for the last `LAST_ANSWER_MS` of it.
   */
  answered(answerMs: number, abort: { queries(): void; mutations(): void }): Promise<void>;
  /** Cuts every connection left and stops Node's connection checks; resolves once none is open. */
  end(): Promise<void>;
}

/** The time a mutation ended at shutdown is given to write its answer, before the connections are cut. */
const LAST_ANSWER_MS = 500;

export function httpDrain(
  server: Server,
  options: { drainMs: number; quietMs?: number; openConnections: () => number },
): HttpDrain {
  const { drainMs } = options;
  const requests = inFlight();
  let lastRequestAt = 0;
  let draining = false;
  let idleClosed = false;
  let started = 0;
  let idle: Promise<void> = Promise.resolve();
  /** Closes the connections idle once quiet, or at the end of the drain, or when none is left. */
  const closeIdleWhenQuiet = (quietMs: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        const now = Date.now();
        const due = now - lastRequestAt >= quietMs || now - started >= drainMs;
        if (options.openConnections() > 0 && !due) return;
        clearInterval(timer);
        idleClosed = true;
        server.closeIdleConnections();
        resolve();
      };
      const timer = setInterval(check, CHECK_MS);
      check();
    });
  return {
    track(res) {
      lastRequestAt = Date.now();
      if (draining) res.setHeader('Connection', 'close');
      requests.track(res);
    },
    begin() {
      draining = true;
      started = Date.now();
      for (const res of requests.open) {
        if (!res.headersSent) res.setHeader('Connection', 'close');
        // An answer already begun, with keep-alive, leaves its connection idle when it ends: closed then
        // if the idle ones have been closed already.
        else res.once('close', () => idleClosed && setImmediate(() => server.closeIdleConnections()));
      }
      // Not `server.close()`: net.Server's stops listening without destroying the idle connections.
      NetServer.prototype.close.call(server);
      idle = closeIdleWhenQuiet(Math.min(options.quietMs ?? QUIET_MS, drainMs));
    },
    async answered(answerMs, abort) {
      await idle;
      if (await requests.settled(started + drainMs - Date.now())) return;
      abort.queries();
      const lastMs = Math.min(LAST_ANSWER_MS, answerMs / 2);
      if (await requests.settled(answerMs - lastMs)) return;
      abort.mutations();
      await requests.settled(lastMs);
    },
    end() {
      server.closeAllConnections();
      // http's close() now: the port is closed already; it stops the connection checks, and calls back
      // (ERR_SERVER_NOT_RUNNING, expected here) once every connection, WebSockets included, has closed.
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The HTTP responses not yet finished, so that a shutdown can wait for them. */
function inFlight() {
  const open = new Set<ServerResponse>();
  let onEmpty: (() => void) | null = null;
  return {
    open,
    track(res: ServerResponse): void {
      open.add(res);
      res.once('close', () => {
        open.delete(res);
        if (open.size === 0) onEmpty?.();
      });
    },
    /** Resolves true once none is left, or false after `ms`. */
    settled(ms: number): Promise<boolean> {
      if (open.size === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(
          () => {
            onEmpty = null;
            resolve(false);
          },
          Math.max(0, ms),
        );
        onEmpty = () => {
          clearTimeout(timer);
          onEmpty = null;
          resolve(true);
        };
      });
    },
  };
}
