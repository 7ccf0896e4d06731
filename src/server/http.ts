/**
 * The transports around one gateway: HTTP (queries, mutations, uploads, SSE subscriptions, GraphiQL,
 * health) through yoga, and graphql-ws on the same port and path. Only yoga's envelop runs over
 * WebSocket, so credentials there come from `connectionParams` (see gateway.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Gateway } from './gateway.js';
import { toClientError } from './errors.js';

export interface HttpServerOptions {
  port: number;
  host?: string;
}

export interface RunningServer {
  server: Server;
  /** `http://host:port` as bound (port 0 resolved). */
  url: string;
  /**
   * Graceful stop: refuse new work, close WebSockets with 1001, end SSE streams, and close connections.
   * Live updates (pollers, leases) are stopped by whoever owns them, before or after.
   */
  close(): Promise<void>;
}

interface RootValue {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

export async function startHttpServer(gateway: Gateway, options: HttpServerOptions): Promise<RunningServer> {
  const { yoga } = gateway;
  const server = createServer(yoga);
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });

  const ws = useServer<Record<string, unknown>>(
    {
      execute: (args) => (args.rootValue as RootValue).execute(args) as never,
      subscribe: (args) => (args.rootValue as RootValue).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        const abort = new AbortController();
        ctx.extra.socket.once('close', () => abort.abort());
        const enveloped = yoga.getEnveloped({
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams ?? {},
          signal: abort.signal,
        } as never);
        let document;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          return [toClientError(error)];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors.map((e: Error) => toClientError(e));
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          operationName: payload.operationName ?? null,
          document,
          variableValues: payload.variables ?? null,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } satisfies RootValue,
        };
        return args;
      },
      // Errors thrown mid-stream would reach the client as they are: give them the gateway's codes.
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => toClientError(e).toJSON()),
    },
    wss,
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
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
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await ws.dispose(); // Closes every socket with 1001 "Going away".
        await gateway.yoga.dispose();
        server.closeIdleConnections();
        // SSE responses and long requests end when their sources end; whatever remains is cut.
        const deadline = setTimeout(() => server.closeAllConnections(), 2_000);
        await stopped;
        clearTimeout(deadline);
      })();
      return closing;
    },
  };
}
