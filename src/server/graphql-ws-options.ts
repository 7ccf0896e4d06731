/**
 * The graphql-ws server options of the gateway: each operation runs through yoga's envelop, with
 * credentials from `connectionParams` (yoga's request hooks do not run over WebSocket).
 *
 * Grouping (on by default): identical `jobUpdated` subscriptions share one execution per event and
 * one serialisation (subscription-groups.ts). Identical means the same query text, operation name,
 * variables, extensions AND connection parameters, and the same `Origin`/`Host`/`Sec-Fetch-Site` of the upgrade
 * request. Over WebSocket the context is built from exactly these (gateway.ts: the credentials from
 * the connection parameters, and, for callers without credentials, whether the page is on another
 * site), so members of a group would have got byte-identical results each on their own: nothing
 * crosses tenants or tokens, and per-caller fields (`downloadUrl`) stay per caller. Should the context
 * ever read anything else, it must go into the key too.
 *
 * A member that joins a live group does not repeat the group's upstream access check: the very same
 * token was checked for the very same job when the group opened, and every poll re-checks it. Every
 * member is still parsed and validated (operation limits included); only execution is shared, so a
 * plugin that acted per execution (a per-caller subscription quota, say) would have to count members
 * here. The group's context is built from its first member's connection (request, parameters) with
 * a signal of the group's own, aborted when its last member leaves.
 *
 * Members' events are written to the socket here, as graphql-ws's own `next` messages, from the
 * group's serialised payload: graphql-ws would otherwise stringify the whole result once per member.
 * Errors, completion and unsubscribing still go through graphql-ws.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { getOperationAST, Kind, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { requestSite } from './credentials.js';
import { toClientError } from './errors.js';
import type { Gateway } from './gateway.js';
import { createSubscriptionGroups, type GroupEvent, type SubscriptionGroups } from './subscription-groups.js';

/**
 * Subscription fields whose every event is the whole current state, so that a late member may start
 * from a group's latest event. Not `jobsUpdated`: its events are one job each, and a newcomer needs
 * every job's current state first, which only a subscription of its own gets.
 */
const GROUPABLE_FIELDS = new Set(['jobUpdated']);

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

interface RootValue {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

export function graphqlWsOptions(gateway: Gateway, options: GraphqlWsOptions): ServerOptions<Record<string, unknown>, Extra> {
  const { yoga } = gateway;
  const groups: SubscriptionGroups<ExecutionResult> | null = options.subscriptionGroups === false ? null : createSubscriptionGroups();

  return {
    execute: (args) => (args.rootValue as RootValue).execute(args) as never,
    subscribe: (args) => (args.rootValue as RootValue).subscribe(args) as never,
    onSubscribe: async (ctx, id, payload) => {
      const connectionParams = ctx.connectionParams ?? {};
      const envelopedFor = (signal: AbortSignal) =>
        yoga.getEnveloped({ req: ctx.extra.request, socket: ctx.extra.socket, params: payload, connectionParams, signal } as never);
      const abort = options.operations.start(ctx.extra.socket, id);
      const enveloped = envelopedFor(abort.signal);
      const refuse = (errors: readonly unknown[]) => {
        options.operations.end(ctx.extra.socket, id);
        return errors.map((e) => toClientError(e));
      };
      let document;
      try {
        document = enveloped.parse(payload.query);
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
          return shared.subscribe({ ...args, contextValue: await shared.contextFactory() }) as Promise<AsyncIterable<ExecutionResult> | ExecutionResult>;
        };
        const rootValue: RootValue = {
          execute: () => {
            throw new Error('unreachable: a grouped operation is a subscription');
          },
          subscribe: () => writeNextMessages(groups.join(key, open), ctx.extra.socket, ctx.extra.request.socket as Socket, id),
        };
        return { ...args, contextValue: undefined, rootValue } satisfies ExecutionArgs;
      }

      return {
        ...args,
        contextValue: await enveloped.contextFactory(),
        rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } satisfies RootValue,
      } satisfies ExecutionArgs;
    },
    onComplete: (ctx, id) => options.operations.end(ctx.extra.socket, id),
    // Errors thrown mid-stream would reach the client as they are: give them the gateway's codes.
    onError: (ctx, id, _payload, errors) => {
      options.operations.end(ctx.extra.socket, id);
      return errors.map((e) => toClientError(e).toJSON());
    },
  };
}

/** The root field of a subscription operation that may be grouped, or undefined. */
function groupableField(document: Parameters<typeof getOperationAST>[0], operationName: string | null): string | undefined {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'subscription') return undefined;
  const [first, ...rest] = operation.selectionSet.selections;
  if (rest.length > 0 || first?.kind !== Kind.FIELD || first.directives?.length) return undefined;
  return GROUPABLE_FIELDS.has(first.name.value) ? first.name.value : undefined;
}

function groupKey(connectionParams: Readonly<Record<string, unknown>>, request: IncomingMessage, payload: { query: string; operationName?: string | null; variables?: unknown; extensions?: unknown }): string {
  const site = requestSite((name) => request.headers[name]); // All the context reads of the upgrade request.
  const identity = stableJson([connectionParams, site, payload.query, payload.operationName ?? null, payload.variables ?? null, payload.extensions ?? null]);
  // A digest, so that the map of groups holds no token in clear.
  return createHash('sha256').update(identity).digest('base64url');
}

/** JSON with object keys sorted at every level, so that equal values give equal text. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

const NEXT_TAIL = Buffer.from('}');

/**
 * The member's stream as graphql-ws expects one (an async iterable with `return`), except that it
 * writes each event to the socket itself, as `{"id":…,"type":"next","payload":…}` around the group's
 * serialised result, and yields nothing: when the group ends, graphql-ws sends `complete` (or `error`
 * for a thrown error) as usual, and `return()` (the client's `complete`, or the socket closing) leaves the group.
 */
function writeNextMessages(events: AsyncIterableIterator<GroupEvent<ExecutionResult>>, socket: WebSocket, tcp: Socket, id: string): AsyncIterableIterator<never> {
  const head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  const send = (data: Buffer) =>
    new Promise<void>((resolve, reject) => {
      if (socket.readyState !== socket.OPEN) return resolve();
      batchWrites(tcp);
      socket.send(data, { binary: false }, (error) => (error ? reject(error) : resolve()));
    });
  const stream: AsyncIterableIterator<never> = {
    [Symbol.asyncIterator]: () => stream,
    async next() {
      for (;;) {
        const step = await events.next();
        if (step.done) return { value: undefined, done: true };
        await send(Buffer.concat([head, step.value.bytes(), NEXT_TAIL]));
      }
    },
    return: () => events.return!() as Promise<IteratorResult<never>>,
    throw: (error: unknown) => events.throw!(error) as Promise<IteratorResult<never>>,
  };
  return stream;
}

const corked = new WeakSet<Socket>();

/**
 * Holds a connection's writes until the current turn of the event loop is over, then flushes them
 * in one `writev`: one event reaches all of a group's members on a socket in the same turn, and
 * one system call per message was most of the cost left once executions were shared (bench/RESULTS.md).
 */
function batchWrites(tcp: Socket): void {
  if (corked.has(tcp)) return;
  corked.add(tcp);
  tcp.cork();
  process.nextTick(() => {
    corked.delete(tcp);
    tcp.uncork();
  });
}
