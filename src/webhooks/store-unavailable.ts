/**
 * The webhook database (DATABASE_URL) out of reach, said to the caller in the gateway's vocabulary:
 * SERVICE_UNAVAILABLE with a message naming the setting and what the caller may assume, instead of a
 * masked INTERNAL_SERVER_ERROR. Only the API's store is wrapped (webhook-api-services.ts): the
 * watcher and the delivery worker log their own failures and try again on their next turn.
 *
 * Two cases: the connection could not be made (nothing was read or changed: safe to try again), or
 * it was lost during the operation (a change may have been committed: read it back first).
 */
import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors/gateway-error.js';
import type { WebhookStore } from './webhook-store.js';

type Unreachable = 'not-connected' | 'lost';

/** Node's codes for a connection that could not be made, and for one lost. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);
const LOST = new Set(['ECONNRESET', 'EPIPE']);

/** Whether `error` (from pg or Node's sockets) says the database could not be reached, and how. */
export function unreachable(error: unknown): Unreachable | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NOT_CONNECTED.has(code)) return 'not-connected';
    if (LOST.has(code)) return 'lost';
    // PostgreSQL's SQLSTATEs: cannot connect now (starting, stopping), too many connections;
    // administrator or crash shutdown, and the connection exceptions (class 08).
    if (code === '57P03' || code === '53300') return 'not-connected';
    if (code === '57P01' || code === '57P02' || /^08[0-9A-Z]{3}$/.test(code)) return 'lost';
  }
  // pg's own, without a code: its pool's connection timeout, and a socket closed under a query.
  if (error.message === 'timeout exceeded when trying to connect') return 'not-connected';
  if (error.message.startsWith('Connection terminated')) return 'lost';
  return null;
}

/** The methods that change something: a connection lost under them leaves the change uncertain. */
const CHANGES = new Set<string>([
  'createEndpoint',
  'updateEndpoint',
  'rotateSecret',
  'deleteEndpoint',
  'redeliver',
] satisfies (keyof WebhookStore)[]);

function storeUnavailable(how: Unreachable, changes: boolean): GraphQLError {
  const message =
    how === 'not-connected'
      ? "This gateway's webhook database (DATABASE_URL) cannot be reached: nothing was read or changed. Try again shortly."
      : changes
        ? 'This gateway lost its webhook database (DATABASE_URL) during the operation: the change may or may not have been made. Read it back before trying again.'
        : 'This gateway lost its webhook database (DATABASE_URL) during the operation. Try again shortly.';
  return gatewayError('SERVICE_UNAVAILABLE', message);
}

/** `store` whose methods reject with SERVICE_UNAVAILABLE where the database could not be reached. */
export function withStoreUnavailable(store: WebhookStore): WebhookStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      return (...args: unknown[]) =>
        (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch((error: unknown) => {
          const how = unreachable(error);
          throw how ? storeUnavailable(how, CHANGES.has(name)) : error;
        });
    },
  });
}
