/**
 * graphql-ws's `onSubscribe` for the gateway: one operation of a WebSocket connection, admitted
 * (admit-socket-operation.ts), parsed and validated through yoga's envelop, then either run on its
 * own or joined to the group of identical `jobUpdated` subscriptions (ws/group-key.ts,
 * ws/subscription-groups.ts) whose events are written as graphql-ws `next` frames (ws/ws-next-frames.ts).
 *
 * The operation's secrets (its caller's and its own) are held from the start, so that a refusal
 * (a validation error quoting an inline token, say) is scrubbed too, until the operation ends.
 *
 * Each operation is counted in the metrics here, once, when it is refused or accepted, with the phase
 * its errors come from (ws/socket-tallies.ts); graphql-ws-options.ts counts the errors as they are sent.
 */
import type { Socket } from 'node:net';
import type { DocumentNode, ExecutionArgs, ExecutionResult, GraphQLError } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { WebSocket } from 'ws';
import type { Gateway } from './gateway.js';
import type { SocketOperations } from './graphql-ws-options.js';
import { requestSecrets } from './request-secrets.js';
import type { OperationPhase } from '../telemetry/gateway-metrics.js';
import type { SocketConnections, SocketContext } from './socket-connections.js';
import { scrubbedError, toClientError } from './to-client-error.js';
import { groupableField, groupKey } from './ws/group-key.js';
import { sentOperation } from './ws/hash-only-operations.js';
import type { SocketTallies } from './ws/socket-tallies.js';
import type { SubscriptionGroups } from './ws/subscription-groups.js';
import { writeNextMessages } from './ws/ws-next-frames.js';

/** How graphql-ws runs what `onSubscribe` returned (graphql-ws-options.ts passes each call on). */
export interface RootValue {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

export interface SocketSubscribeOptions {
  gateway: Gateway;
  operations: SocketOperations;
  connections: SocketConnections;
  /** Shares executions between identical subscriptions; null runs each on its own. */
  groups: SubscriptionGroups<ExecutionResult> | null;
  /** Told when the upstream accepts the credentials of one of a socket's operations (ws/idle-sockets.ts). */
  proven?: (socket: WebSocket) => void;
  /** Each operation's account in the metrics (ws/socket-tallies.ts); none without metrics. */
  tallies?: SocketTallies | null;
}

export type SocketSubscribe = (
  ctx: SocketContext,
  id: string,
  payload: SubscribePayload,
) => Promise<ExecutionArgs | readonly GraphQLError[]>;

export function createSocketSubscribe(options: SocketSubscribeOptions): SocketSubscribe {
  const { gateway, operations, connections, groups, proven, tallies } = options;
  return async (ctx, id, payload) => {
    const caller = connections.callerOf(ctx);
    const scope = connections.scopeOf(ctx.extra);
    const envelopedFor = (signal: AbortSignal) =>
      gateway.yoga.getEnveloped({
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        params: payload,
        caller,
        signal,
        requestScope: scope,
        onUpstreamAccepted: () => proven?.(ctx.extra.socket),
      } as never);
    const tally = tallies?.open(payload, scope.requestId, caller.credentials.organizationId) ?? null;
    const abort = operations.start(ctx.extra.socket, id);
    const enveloped = envelopedFor(abort.signal);
    // More secrets than one operation may hold refuse it (request-secrets.ts), its caller's held meanwhile.
    let secrets: string[] = [];
    let tooMany: unknown = null;
    try {
      secrets = requestSecrets(payload);
    } catch (error) {
      tooMany = error;
    }
    const release = gateway.redactor.hold([...caller.secrets, ...secrets]);
    abort.signal.addEventListener('abort', release, { once: true });
    const refuse = (errors: readonly unknown[], phase: OperationPhase, document: DocumentNode | null = null) => {
      tally?.answering(phase, document); // its errors: counted as graphql-ws sends them (onError)
      // Scrubbed before the operation ends: ending it releases its secrets.
      const scrubbed = errors.map((e) => scrubbedError(toClientError(e), gateway.redactor));
      operations.end(ctx.extra.socket, id);
      return scrubbed;
    };
    if (tooMany !== null) return refuse([tooMany], 'admission');
    const admission = await gateway.admitSocketOperation(sentOperation(payload), caller);
    if (!admission.ok) return refuse([admission.error], 'admission');
    // Every operation of the socket holds one of its caller's subscription slots until it ends.
    const slot = gateway.subscriptions.take(caller.rateLimitSubject);
    if (typeof slot !== 'function') return refuse([slot], 'admission');
    abort.signal.addEventListener('abort', slot, { once: true });
    let document;
    try {
      document = enveloped.parse(admission.query);
    } catch (error) {
      return refuse([error], 'parse');
    }
    const errors = enveloped.validate(enveloped.schema, document);
    if (errors.length > 0) return refuse(errors, 'validate', document);
    tally?.answering('execute', document);
    const operationName = payload.operationName ?? null;
    const args = { schema: enveloped.schema, operationName, document, variableValues: payload.variables ?? null };

    const field = groups ? groupableField(document, operationName) : undefined;
    if (!groups || !field) {
      return {
        ...args,
        contextValue: await enveloped.contextFactory(),
        rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } satisfies RootValue,
      } satisfies ExecutionArgs;
    }
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
        writeNextMessages(
          groups.join(groupKey(caller, payload), open),
          ctx.extra.socket,
          ctx.extra.request.socket as Socket,
          id,
          tally,
        ),
    };
    return { ...args, contextValue: undefined, rootValue } satisfies ExecutionArgs;
  };
}
