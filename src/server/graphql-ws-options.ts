/**
 * The graphql-ws server options of the gateway: each operation runs through yoga's envelop, with
 * the connection's caller read from `connectionParams` and the upgrade request (caller.ts; yoga's
 * request hooks do not run over WebSocket). Transport glue only: the live-update design, grouping
 * included, is in src/live/README.md; one operation's path is in subscribe-socket-operation.ts.
 *
 * Grouping (on by default): identical `jobUpdated` subscriptions (src/server/ws/group-key.ts)
 * share one execution per event and one serialisation (src/server/ws/subscription-groups.ts).
 *
 * A member that joins a live group does not repeat the group's upstream access check: the very same
 * token was checked for the very same job when the group opened, and every poll re-checks it. Every
 * member is still parsed and validated (operation limits included); only execution is shared, so a
 * plugin that acted per execution (a per-caller subscription quota, say) would have to count members
 * there. The group's context is built from its first member's connection (request, caller, request
 * id) with a signal of the group's own, aborted when its last member leaves.
 *
 * Members' events are written to the socket as graphql-ws's own `next` messages from the group's
 * serialised payload (src/server/ws/ws-next-frames.ts).
 */
import type { ExecutionResult } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { cutForLog, MAX_LOGGED_NAME_CHARS } from '../telemetry/logged-text.js';
import type { Gateway } from './gateway.js';
import { createSocketConnections, type SocketExtra } from './socket-connections.js';
import { createSocketSubscribe, type RootValue } from './subscribe-socket-operation.js';
import { scrubbedError, toClientError } from './to-client-error.js';
import { reviveHashOnlyOperations } from './ws/hash-only-operations.js';
import type { IdleSockets } from './ws/idle-sockets.js';
import { SocketTallies } from './ws/socket-tallies.js';
import { createSubscriptionGroups, type SubscriptionGroups } from './ws/subscription-groups.js';

/** The abort signal of each operation (http.ts keeps them: one `close` listener per socket). */
export interface SocketOperations {
  /** Called when an operation starts; its signal aborts when the operation ends or the socket closes. */
  start(socket: WebSocket, id: string): AbortController;
  /** Called when an operation ends (completed by either side, or failed). */
  end(socket: WebSocket, id: string): void;
}

export interface GraphqlWsOptions {
  operations: SocketOperations;
  /** Share executions between identical subscriptions (see above). @default true */
  subscriptionGroups?: boolean;
  /** Closes sockets idle without credentials (ws/idle-sockets.ts); none are closed without it. */
  idleSockets?: IdleSockets;
}

export function graphqlWsOptions(
  gateway: Gateway,
  options: GraphqlWsOptions,
): ServerOptions<Record<string, unknown>, SocketExtra> {
  const groups: SubscriptionGroups<ExecutionResult> | null =
    options.subscriptionGroups === false ? null : createSubscriptionGroups();
  // One request id per connection: each operation's context gets the scope as `requestScope`, so its
  // upstream calls carry it.
  const connections = createSocketConnections(gateway.logger);
  const { scopeOf } = connections;
  const operations = options.idleSockets ? options.idleSockets.track(options.operations) : options.operations;
  // Each operation counted once and each error it answers (ws/socket-tallies.ts), when metrics are on.
  const tallies = gateway.metrics ? new SocketTallies(gateway.metrics) : null;
  const subscribe = createSocketSubscribe({
    gateway,
    operations,
    connections,
    groups,
    tallies,
    ...(options.idleSockets ? { proven: options.idleSockets.proven } : {}),
  });

  return {
    jsonMessageReviver: reviveHashOnlyOperations,
    execute: (args) => (args.rootValue as RootValue).execute(args) as never,
    subscribe: (args) => (args.rootValue as RootValue).subscribe(args) as never,
    onConnect: (ctx) => {
      let caller;
      try {
        caller = connections.callerOf(ctx);
      } catch (error) {
        // connectionParams carrying more secrets than one connection may hold (request-secrets.ts): 4403.
        const reason = error instanceof Error ? error.message : String(error);
        scopeOf(ctx.extra).log.info({ transport: 'ws', reason }, 'websocket refused');
        return false;
      }
      scopeOf(ctx.extra).log.info({ transport: 'ws' }, 'websocket connected');
      options.idleSockets?.opened(ctx.extra.socket, caller.credentials.token);
    },
    onClose: (ctx, code) => {
      scopeOf(ctx.extra).log.info({ transport: 'ws', code }, 'websocket closed');
    },
    onSubscribe: async (ctx, id, payload) => {
      scopeOf(ctx.extra).log.info(
        {
          transport: 'ws',
          id,
          operationName: payload.operationName ? cutForLog(payload.operationName, MAX_LOGGED_NAME_CHARS) : undefined,
        },
        'operation started',
      );
      return subscribe(ctx, id, payload);
    },
    // The errors of an operation run on its own, as sent (a group's members: ws/ws-next-frames.ts).
    ...(tallies
      ? {
          onNext: (_ctx, _id, payload, _args, result) => {
            if (result.errors) tallies.of(payload)?.errors(result.errors);
          },
        }
      : {}),
    onComplete: (ctx, id) => {
      scopeOf(ctx.extra).log.info({ transport: 'ws', id }, 'operation ended');
      operations.end(ctx.extra.socket, id);
    },
    // Errors thrown mid-stream would reach the client as they are: give them the gateway's codes.
    // Scrubbed before the operation ends: ending it releases the secrets it holds.
    onError: (ctx, id, payload, errors) => {
      const coded = errors.map((e) => withoutHttp(scrubbedError(toClientError(e), gateway.redactor).toJSON()));
      tallies?.of(payload)?.errors(coded);
      operations.end(ctx.extra.socket, id);
      scopeOf(ctx.extra).log.info(
        { transport: 'ws', id, codes: coded.map((e) => e.extensions?.['code']) },
        'operation failed',
      );
      return coded;
    },
  };
}

/** An error as a WebSocket client reads it: without the HTTP status and headers meant for yoga's HTTP answers. */
function withoutHttp<E extends { extensions?: Record<string, unknown> }>(error: E): E {
  if (error.extensions?.['http'] === undefined) return error;
  const { http: _http, ...extensions } = error.extensions;
  return { ...error, extensions };
}
