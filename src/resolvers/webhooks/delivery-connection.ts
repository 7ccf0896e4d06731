/**
 * The deliveries of an endpoint as a Relay connection, newest first, over the store's own paging
 * (`listDeliveries`). A cursor is where a page starts: after the store's cursor of a delivery (its
 * insertion sequence, which only grows), and how many after it were read already. Each edge's cursor
 * names its own delivery, so reading after it starts after that very delivery however many arrived at
 * the top since. Opaque to clients: base64url of a small versioned JSON array, the form the release
 * before wrote too, so that both read each other's during a rolling upgrade or a rollback; anything
 * else is BAD_USER_INPUT naming `after`.
 *
 * The release before gave the edges of a first page (all but its last) a count from the newest
 * delivery instead, which moved as deliveries arrived (a trial paged back onto deliveries already
 * read): such a cursor is refused, with what to do, rather than read where it may now point.
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

/** Where a page starts: after the store's cursor `after` (null: the newest), `skip` more skipped. */
interface Position {
  /** The store's cursor of the delivery before; null for the first page. */
  after: string | null;
  /** How many deliveries after it were already read (0 in the cursors given now). */
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
      if (Number.isSafeInteger(skip) && (skip as number) >= 0 && (skip as number) <= MAX_DELIVERY_PAGE) {
        if (after === null && skip !== 0)
          throw badUserInput(
            'after',
            'after: this cursor counts deliveries from the newest (an earlier release gave it), and new ' +
              'deliveries may have moved what it points at: read the first page again, or continue from a ' +
              "page's endCursor",
          );
        return { after, skip: skip as number };
      }
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
  const edges = deliveries.map((delivery, i) => ({
    node: { ...delivery, owner },
    cursor: encode({ after: cursors[i]!, skip: 0 }),
  }));
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
