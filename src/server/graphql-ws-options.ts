/**
 * The graphql-ws server options of the gateway: each operation runs through yoga's envelop, with
 * credentials from `connectionParams` (yoga's request hooks do not run over WebSocket). Transport
 * glue only: the live-update design, grouping included, is in src/live/README.md.
 *
 * Grouping (on by default): identical `jobUpdated` subscriptions (src/server/ws/group-key.ts)
 * share one execution per event and one serialisation (src/server/ws/subscription-groups.ts).
 *
 * A member that joins a live group does not repeat the group's upstream access check: the very same
 * token was checked for the very same job when the group opened, and every poll re-checks it. Every
 * member is still parsed and validated (operation limits included); only execution is shared, so a
 * plugin that acted per execution (a per-caller subscription quota, say) would have to count members
 * here. The group's context is built from its first member's connection (request, parameters,
 * request id) with a signal of the group's own, aborted when its last member leaves.
 *
 * Members' events are written to the socket as graphql-ws's own `next` messages from the group's
 * serialised payload (src/server/ws/ws-next-frames.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { groupableField, groupKey } from './ws/group-key.js';
import { createSubscriptionGroups, type SubscriptionGroups } from './ws/subscription-groups.js';
import { writeNextMessages } from './ws/ws-next-frames.js';
import { scrubbedError, toClientError } from './to-client-error.js';
import type { Gateway } from './gateway.js';
import { requestIdFrom, requestScope, type RequestScope } from '../telemetry/request-scope.js';

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
}

interface Extra {
  socket: WebSocket;
  request: IncomingMessage;
}

type SubscribeHook = Parameters<NonNullable<ServerOptions<Record<string, unknown>, Extra>['onSubscribe']>>;

interface RootValue {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

export function graphqlWsOptions(
  gateway: Gateway,
  options: GraphqlWsOptions,
): ServerOptions<Record<string, unknown>, Extra> {
  const { yoga } = gateway;
  const groups: SubscriptionGroups<ExecutionResult> | null =
    options.subscriptionGroups === false ? null : createSubscriptionGroups();
  // One request id per connection: the upgrade request's X-Request-Id, or a generated one. Each
  // operation's context gets the scope as `requestScope` (gateway.ts), so its upstream calls carry it.
  const scopes = new WeakMap<WebSocket, RequestScope>();
  const scopeOf = (extra: Extra): RequestScope => {
    let scope = scopes.get(extra.socket);
    if (!scope) {
      const header = extra.request.headers['x-request-id'];
      scope = requestScope(gateway.logger, requestIdFrom(Array.isArray(header) ? header[0] : header));
      scopes.set(extra.socket, scope);
    }
    return scope;
  };

  return {
    execute: (args) => (args.rootValue as RootValue).execute(args) as never,
    subscribe: (args) => (args.rootValue as RootValue).subscribe(args) as never,
    onConnect: (ctx) => {
      scopeOf(ctx.extra).log.info({ transport: 'ws' }, 'websocket connected');
    },
    onClose: (ctx, code) => {
      scopeOf(ctx.extra).log.info({ transport: 'ws', code }, 'websocket closed');
    },
    onSubscribe: async (ctx, id, payload) => {
      scopeOf(ctx.extra).log.info(
        { transport: 'ws', id, operationName: payload.operationName ?? undefined },
        'operation started',
      );
      return subscribeOne(ctx, id, payload);
    },
    onComplete: (ctx, id) => {
      scopeOf(ctx.extra).log.info({ transport: 'ws', id }, 'operation ended');
      options.operations.end(ctx.extra.socket, id);
    },
    // Errors thrown mid-stream would reach the client as they are: give them the gateway's codes.
    onError: (ctx, id, _payload, errors) => {
      options.operations.end(ctx.extra.socket, id);
      const coded = errors.map((e) => scrubbedError(toClientError(e), gateway.redactor).toJSON());
      scopeOf(ctx.extra).log.info(
        { transport: 'ws', id, codes: coded.map((e) => e.extensions?.['code']) },
        'operation failed',
      );
      return coded;
    },
  };

  async function subscribeOne(ctx: SubscribeHook[0], id: string, payload: SubscribeHook[2]) {
    const connectionParams = ctx.connectionParams ?? {};
    const envelopedFor = (signal: AbortSignal) =>
      yoga.getEnveloped({
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        params: payload,
        connectionParams,
        signal,
        requestScope: scopeOf(ctx.extra),
      } as never);
    const abort = options.operations.start(ctx.extra.socket, id);
    const enveloped = envelopedFor(abort.signal);
    const refuse = (errors: readonly unknown[]) => {
      options.operations.end(ctx.extra.socket, id);
      return errors.map((e) => scrubbedError(toClientError(e), gateway.redactor));
    };
    const admission = await gateway.admitSocketOperation(payload, connectionParams, ctx.extra.request);
    if (!admission.ok) return refuse([admission.error]);
    let document;
    try {
      document = enveloped.parse(admission.query);
    } catch (error) {
      return refuse([error]);
    }
    const errors = enveloped.validate(enveloped.schema, document);
    if (errors.length > 0) return refuse(errors);
    const operationName = payload.operationName ?? null;
    const args = {
      schema: enveloped.schema,
      operationName,
      document,
      variableValues: payload.variables ?? null,
    };

    const field = groups ? groupableField(document, operationName) : undefined;
    if (groups && field) {
      const key = groupKey(connectionParams, ctx.extra.request, payload);
      const open = async (signal: AbortSignal) => {
        const shared = envelopedFor(signal);
        return shared.subscribe({ ...args, contextValue: await shared.contextFactory() }) as Promise<
          AsyncIterable<ExecutionResult> | ExecutionResult
        >;
      };
      const rootValue: RootValue = {
        execute: () => {
          throw new Error('unreachable: a grouped operation is a subscription');
        },
        subscribe: () =>
          writeNextMessages(groups.join(key, open), ctx.extra.socket, ctx.extra.request.socket as Socket, id),
      };
      return { ...args, contextValue: undefined, rootValue } satisfies ExecutionArgs;
    }

    return {
      ...args,
      contextValue: await enveloped.contextFactory(),
      rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } satisfies RootValue,
    } satisfies ExecutionArgs;
  }
}
