/**
 * The deliveries of an endpoint as a Relay connection, newest first, over the store's own paging
 * (`listDeliveries`: a page and the cursor that continues after it). The store names only where a
 * page ends; a Relay edge needs a cursor of its own, so an edge's cursor here is the store's cursor
 * the page began at and how many deliveries of that page come up to and including the edge
 * (the last edge of a page that has more is simply the store's next cursor). Reading after an edge
 * asks the store for the skipped ones too, at most one page more. Opaque to clients: base64url of a
 * small versioned JSON array; anything else is BAD_USER_INPUT naming `after`.
 */
import { badUserInput } from '../../errors/bad-user-input.js';
import type { StoredDelivery, WebhookOwner, WebhookStore } from '../../webhooks/webhook-store.js';

/** The largest page `first` may ask for. */
export const MAX_DELIVERY_PAGE = 100;

export type DeliveryShape = StoredDelivery & { owner: WebhookOwner };

export interface DeliveryConnection {
  edges: Array<{ node: DeliveryShape; cursor: string }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

interface Position {
  /** The store's cursor a page began at; null for the first page. */
  after: string | null;
  /** How many deliveries after it were already read. */
  skip: number;
}

const VERSION = 1;
const MAX_CURSOR_LENGTH = 2_048;

const encode = (p: Position) => Buffer.from(JSON.stringify([VERSION, p.after, p.skip]), 'utf8').toString('base64url');

function decode(raw: string): Position {
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
  const edges = deliveries.map((delivery, i) => {
    const last = i === deliveries.length - 1;
    const cursor =
      last && page.endCursor !== null
        ? encode({ after: page.endCursor, skip: 0 })
        : encode({ after: start.after, skip: start.skip + i + 1 });
    return { node: { ...delivery, owner }, cursor };
  });
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
