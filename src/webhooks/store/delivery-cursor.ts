/**
 * The opaque cursor of webhookDeliveries: a delivery's insertion sequence, which only grows, so that
 * a page after it is stable while new deliveries arrive at the top.
 */
import { badDeliveryCursor } from '../errors.js';

const PREFIX = 'delivery:';

export function encodeDeliveryCursor(seq: string | number | bigint): string {
  return Buffer.from(`${PREFIX}${String(seq)}`, 'utf8').toString('base64url');
}

/** The sequence the cursor names, as decimal text; a coded BAD_USER_INPUT when it is not one of ours. */
export function decodeDeliveryCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!/^[1-9][0-9]{0,17}$/.test(seq)) throw badDeliveryCursor();
  return seq;
}
