/**
 * Which graphql-ws subscriptions may share one execution (subscription-groups.ts), and the key that
 * says which ones are identical: the same query text, operation name, variables, extensions AND the
 * same caller identity (src/server/caller.ts: the credentials presented and the site of the upgrade
 * request). Over WebSocket the context is built from exactly these
 * (create-context-factory.ts resolves the credentials from the connection's caller, and, for callers
 * without credentials, whether the page is on another site), so members of a group would have got
 * byte-identical results each on their own: nothing crosses tenants or tokens, and per-caller fields
 * (`downloadUrl`) stay per caller. What the caller reader learns (a provider) joins the identity there.
 */
import { createHash } from 'node:crypto';
import { getOperationAST, Kind, type DocumentNode } from 'graphql';
import type { Caller } from '../caller.js';

/**
 * Subscription fields whose every event is the whole current state, so that a late member may start
 * from a group's latest event. Not `jobsUpdated`: its events are one job each, and a newcomer needs
 * every job's current state first, which only a subscription of its own gets.
 */
const GROUPABLE_FIELDS = new Set(['jobUpdated']);

/** The root field of a subscription operation that may be grouped, or undefined. */
export function groupableField(document: DocumentNode, operationName: string | null): string | undefined {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'subscription') return undefined;
  const [first, ...rest] = operation.selectionSet.selections;
  if (rest.length > 0 || first?.kind !== Kind.FIELD || first.directives?.length) return undefined;
  return GROUPABLE_FIELDS.has(first.name.value) ? first.name.value : undefined;
}

export interface SubscribePayload {
  query: string;
  operationName?: string | null;
  variables?: unknown;
  extensions?: unknown;
}

export function groupKey(caller: Pick<Caller, 'credentials' | 'site'>, payload: SubscribePayload): string {
  const identity = stableJson([
    caller.credentials,
    caller.site,
    payload.query,
    payload.operationName ?? null,
    payload.variables ?? null,
    payload.extensions ?? null,
  ]);
  // A digest, so that the map of groups holds no token in clear.
  return createHash('sha256').update(identity).digest('base64url');
}

/** JSON with object keys sorted at every level, so that equal values give equal text. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
