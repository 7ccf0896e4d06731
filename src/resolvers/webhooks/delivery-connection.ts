/**
 * The deliveries of an endpoint as a Relay connection, newest first, over the store's own paging
 * (`listDeliveries`). Each edge's cursor is the store's cursor of that delivery (its insertion
 * sequence, which only grows): reading after it starts after that very delivery, however many arrived
 * at the top since. Opaque to clients; anything else is BAD_USER_INPUT naming `after`.
 *
 * Cursors of the first form (version 1: where a page began and how many of it were read) are still
 * read, as they were, for a client holding one across an upgrade: they counted from the newest, so
 * they shifted as deliveries arrived (a trial paged back onto deliveries already read).
 */
import { badUserInput } from '../../errors/bad-user-input.js';
import { isDeliveryCursor } from '../../webhooks/store/delivery-cursor.js';
import type { StoredDelivery, WebhookOwner, WebhookStore } from '../../webhooks/webhook-store.js';

/** The largest page `first` may ask for. */
export const MAX_DELIVERY_PAGE = 100;

export type DeliveryShape = StoredDelivery & { owner: WebhookOwner };

export interface DeliveryConnection {
  edges: Array<{ node: DeliveryShape; cursor: string }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** Where a page starts: after the store's cursor `after` (null: the newest), `skip` more skipped (version 1 only). */
interface Position {
  /** The store's cursor a page began at; null for the first page. */
  after: string | null;
  /** How many deliveries after it were already read. */
  skip: number;
}

const VERSION = 1;
const MAX_CURSOR_LENGTH = 2_048;

function decode(raw: string): Position {
  if (raw.length <= MAX_CURSOR_LENGTH && isDeliveryCursor(raw)) return { after: raw, skip: 0 };
  let value: unknown;
  try {
    value =
      raw.length <= MAX_CURSOR_LENGTH && /^[\w-]+$/.test(raw)
        ? JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
        : undefined;
  } catch {
    value = undefined;
  }
  if (Array.isArray(value) && value.length === 3) {
    const [version, after, skip] = value as unknown[];
    if (version === VERSION && (after === null || typeof after === 'string'))
      if (Number.isSafeInteger(skip) && (skip as number) >= 0 && (skip as number) <= MAX_DELIVERY_PAGE)
        return { after, skip: skip as number };
  }
  const quoted = raw.length <= 64 ? JSON.stringify(raw) : `a string of ${raw.length} characters`;
  throw badUserInput('after', `after: ${quoted} is not a cursor of this connection (use a page's endCursor)`);
}

export async function deliveryConnection(
  store: WebhookStore,
  owner: WebhookOwner,
  endpointId: string,
  first: number,
  after: string | null | undefined,
): Promise<DeliveryConnection> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_DELIVERY_PAGE)
    throw badUserInput('first', `first: ${first} is not an integer from 1 to ${MAX_DELIVERY_PAGE}`);
  const start = after == null ? { after: null, skip: 0 } : decode(after);
  const page = await store.listDeliveries(owner, endpointId, start.skip + first, start.after);
  const deliveries = page.deliveries.slice(start.skip);
  const cursors = page.cursors.slice(start.skip);
  const edges = deliveries.map((delivery, i) => ({ node: { ...delivery, owner }, cursor: cursors[i]! }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.endCursor !== null,
      hasPreviousPage: start.after !== null || start.skip > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
