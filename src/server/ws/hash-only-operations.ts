/**
 * Operations sent over WebSocket by hash alone (`extensions.persistedQuery.sha256Hash`, no `query`),
 * as trusted-documents mode allows. graphql-ws refuses a `subscribe` message whose `query` is not a
 * string before any hook runs, by closing the whole socket with 4400, every other operation on it
 * included. Its `jsonMessageReviver` sees each message first: a hash-only one is given an empty
 * `query` to pass that check, and remembered, so that `sentOperation` gives the admission
 * (admit-socket-operation.ts) the operation as it was sent.
 */
import type { SubscribePayload } from 'graphql-ws';
import { persistedQueryHash } from '../use-automatic-persisted-queries.js';
import type { SocketOperation } from '../admit-socket-operation.js';

const hashOnly = new WeakSet<object>();

/** graphql-ws's `jsonMessageReviver` (JSON.parse's reviver: the whole message comes last, under key ""). */
export function reviveHashOnlyOperations(key: string, value: unknown): unknown {
  if (key !== '' || !isRecord(value) || value['type'] !== 'subscribe') return value;
  const payload = value['payload'];
  if (!isRecord(payload) || (payload['query'] !== undefined && payload['query'] !== null)) return value;
  if (persistedQueryHash(payload['extensions']) === undefined) return value;
  payload['query'] = '';
  hashOnly.add(payload);
  return value;
}

/** The operation as its client sent it: without `query` when it came by hash alone. */
export function sentOperation(payload: SubscribePayload): SocketOperation {
  return hashOnly.has(payload) ? { ...payload, query: undefined } : payload;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
