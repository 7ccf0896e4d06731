/**
 * The transports around one gateway: HTTP (queries, mutations, uploads, SSE subscriptions, GraphiQL,
 * health) through yoga, and graphql-ws on the same port and path (its options in graphql-ws-options.ts;
 * the grouping of identical subscriptions in src/server/ws/, see src/live/README.md).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { createBodyDeadline } from './body-deadline.js';
import { limitConnections, serverTimeouts, type ConnectionLimits } from './connection-limits.js';
import type { Gateway } from './gateway.js';
import { graphqlWsOptions } from './graphql-ws-options.js';
import { httpDrain } from './http-drain.js';
import { readableUrl, refuseUnreadableUrl } from './unreadable-url.js';
import { createIdleSockets } from './ws/idle-sockets.js';
import { pingSockets } from './ws/keep-alive-pings.js';
import { refuseDeepMessages } from './ws/message-depth.js';

export interface HttpServerOptions {
  port: number;
  host?: string;
  /**
   * Identical `jobUpdated` subscriptions over WebSocket (same query, variables and connection
   * parameters) share one execution and one serialisation per event (src/live/README.md). @default true
   */
  subscriptionGroups?: boolean;
  /**
   * Shutdown: how long requests in flight may take to finish by themselves. Then the queries still
   * waiting for the upstream are ended with a coded error (UPSTREAM_UNAVAILABLE) and answered; what
   * remains after `answerMs` more (a slow mutation) is cut. @default 5_000
   */
  drainMs?: number;
  /** Shutdown: time given to the answers of the queries ended after `drainMs`. @default 2_000 */
  answerMs?: number;
  /** Caps on connections and the time to send a request (connection-limits.ts); settings' defaults in src/config-variables.ts. */
  limits: ConnectionLimits;
  /**
   * Largest WebSocket message, in bytes: like an HTTP body (`MAX_REQUEST_BODY_BYTES`), refused from its
   * frame header (close 1009) before any of it is buffered, `connection_init` included.
   */
  maxMessageBytes: number;
}

export interface RunningServer {
  server: Server;
  /** `http://host:port` as bound (port 0 resolved). */
  url: string;
  /**
   * Graceful stop: refuse new connections, close WebSockets with 1001 and cut SSE streams (neither
   * reports a subscription complete, so clients resubscribe elsewhere), let requests in flight
   * finish for up to `drainMs`, then answer the queries still waiting for the upstream with a coded
   * error, and after `answerMs` cut what remains. Keep-alive connections are not cut at once (a proxy
   * may be sending on one): every answer from the start of the drain says `Connection: close`, and
   * the connections still idle are closed once no request has come for a while, within `drainMs`
   * (http-drain.ts). Live updates (pollers, leases) are stopped by whoever owns them, after: the
   * subscriptions ended here leave their pollers by themselves.
   */
  close(): Promise<void>;
}

export async function startHttpServer(gateway: Gateway, options: HttpServerOptions): Promise<RunningServer> {
  const { yoga, fastHits } = gateway;
  const streams = eventStreams();
  const bodyDeadline = createBodyDeadline(options.limits.bodyTimeoutMs, gateway);
  const server = createServer(serverTimeouts(options.limits), (req, res) => {
    drain.track(res);
    streams.track(req, res);
    bodyDeadline(req, res);
    const toYoga = () => {
      if (readableUrl(req)) void yoga.requestListener(req, res);
      else refuseUnreadableUrl(req, res, gateway.logger, gateway.metrics);
    };
    // A cache hit is answered before yoga (response-cache/fast-hits.ts); the rest goes on to it.
    if (fastHits) fastHits(req, res, toYoga);
    else toYoga();
  });
  const closedByLimit = gateway.metrics?.connectionClosedByLimit ?? (() => {});
  const tcp = limitConnections(server, options.limits, closedByLimit);
  const drain = httpDrain(server, { drainMs: options.drainMs ?? 5_000, openConnections: tcp.open });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Attached once listening: a WebSocketServer re-emits its HTTP server's errors, and a failure to
  // listen (a port in use) is the caller's to report, not graphql-ws's "internal error".
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: options.maxMessageBytes });
  const operations = socketOperations();
  const idleSockets = createIdleSockets({
    idleMs: options.limits.unauthenticatedSocketIdleMs,
    onClose: () => closedByLimit('ws_unauthenticated_idle'),
  });
  const ws = useServer(
    graphqlWsOptions(gateway, {
      operations,
      idleSockets,
      ...(options.subscriptionGroups === undefined ? {} : { subscriptionGroups: options.subscriptionGroups }),
    }),
    wss,
  );
  // After graphql-ws's own `connection` listener, whose `message` listener the depth check goes in front of.
  wss.on('connection', (socket) => {
    quietClientErrors(socket, gateway, closedByLimit);
    refuseDeepMessages(socket, () => gateway.metrics?.requestRefusedByLimit('ws_json_depth'));
  });
  const pings = pingSockets(wss, options.limits.wsPingIntervalMs ?? 0, () => {
    closedByLimit('ws_ping_timeout');
    gateway.logger.debug({ transport: 'ws' }, 'websocket cut: no pong to the previous ping');
  });
  gateway.metrics?.watchConnections({
    webSockets: () => wss.clients.size,
    eventStreams: () => streams.size(),
    tcp: tcp.open,
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;

  let closing: Promise<void> | null = null;
  return {
    server,
    url,
    close() {
      closing ??= (async () => {
        gateway.setReady(false);
        pings.stop();
        // Stops listening; idle keep-alive connections stay open for a while (a proxy may be sending on one).
        drain.begin();
        // WebSockets that never answer the close frame are cut (ws would wait 30 s for them, past main.ts's 10 s).
        const deadline = setTimeout(() => {
          for (const socket of wss.clients) socket.terminate();
        }, 2_000);
        // 1001 "Going away" (sent at once; resolves when every socket has closed), and no `complete`
        // before it: a shutdown is not the end of a job, and a graphql-ws client resubscribes (to
        // another instance) only the operations it still has open.
        const socketsClosed = ws.dispose();
        // Likewise SSE: a stream cut without `event: complete` is retried by its client.
        streams.cut();
        // Requests in flight finish by themselves, or the queries among them are answered with a coded
        // error, and then the mutations (their outcome unknown); only then is whatever remains cut.
        const abort = { queries: gateway.abortPendingQueries, mutations: gateway.abortPendingMutations };
        await drain.answered(options.answerMs ?? 2_000, abort);
        const stopped = drain.end();
        await gateway.yoga.dispose();
        await Promise.all([socketsClosed, stopped]);
        clearTimeout(deadline);
      })();
      return closing;
    },
  };
}

/**
 * A WebSocket's `error` events are the client's protocol faults (a message past `maxPayload`, bad
 * UTF-8), which ws has already answered by closing the socket (1009, 1007…). graphql-ws's own
 * listener would print each with `console.error` as an "internal error": anyone could fill the logs.
 * Replaced by one info line, and the size limit counted.
 */
function quietClientErrors(
  socket: WebSocket,
  gateway: Gateway,
  closedByLimit: (limit: 'ws_max_message_bytes') => void,
): void {
  socket.removeAllListeners('error');
  socket.on('error', (error: Error & { code?: string }) => {
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') closedByLimit('ws_max_message_bytes');
    gateway.logger.info({ transport: 'ws', code: error.code }, 'websocket closed on a protocol error');
  });
}

/**
 * The SSE responses in progress (requests that accept `text/event-stream` and whose stream has
 * begun), so that a shutdown can cut them: they never become idle by themselves. A request whose
 * answer has not begun (a mutation still running) is left to finish.
 */
function eventStreams() {
  const open = new Set<ServerResponse>();
  return {
    track(req: IncomingMessage, res: ServerResponse): void {
      if (!req.headers.accept?.includes('text/event-stream')) return;
      open.add(res);
      res.once('close', () => open.delete(res));
    },
    cut(): void {
      for (const res of open) if (res.headersSent) res.destroy();
    },
    size: (): number => open.size,
  };
}

/**
 * The abort signal of each operation on each socket: aborted when the operation ends or its socket
 * closes. One `close` listener per socket, not one per operation: a socket multiplexing many
 * subscriptions, or opening and completing them for hours, would otherwise pile up listeners
 * (and trip Node's MaxListenersExceededWarning past ten).
 */
function socketOperations() {
  const bySocket = new WeakMap<WebSocket, Map<string, AbortController>>();
  return {
    start(socket: WebSocket, id: string): AbortController {
      let running = bySocket.get(socket);
      if (!running) {
        const ops = new Map<string, AbortController>();
        running = ops;
        bySocket.set(socket, ops);
        socket.once('close', () => {
          for (const controller of ops.values()) controller.abort();
          ops.clear();
        });
      }
      const controller = new AbortController();
      running.get(id)?.abort(); // An id reused after its operation ended.
      running.set(id, controller);
      return controller;
    },
    end(socket: WebSocket, id: string): void {
      const running = bySocket.get(socket);
      const controller = running?.get(id);
      if (!controller) return;
      running!.delete(id);
      controller.abort();
    },
  };
}
