/**
 * The cursor of the `jobs` connection: where a job stood, by what does not move (its creation time and
 * id) and by what may (its position then, and the list's length then, which predict where it is now).
 * Opaque to clients: base64url of a small JSON array, versioned so that a later form can refuse an
 * older one by name. Decoding never throws anything but a BAD_USER_INPUT naming `after`.
 */
import { JOB_STATUSES, type JobStatusWire } from '../contract/hyperparameters.js';
import { badUserInput } from '../errors/bad-user-input.js';
import { PROVIDER_NAMES, type ProviderName } from '../providers/provider-name.js';

export interface JobCursor {
  /** The provider whose list the cursor was made in; null in a cursor of the first form, which did not say. */
  provider: ProviderName | null;
  /** The status filter of the list the cursor was made in; null for the unfiltered list. */
  status: JobStatusWire | null;
  /** The job's creation time, epoch milliseconds. */
  createdAt: number;
  id: string;
  /** The job's position (0-based) in that list when the cursor was made. */
  position: number;
  /** The list's length (`totalCount`) when the cursor was made. */
  total: number;
}

/** 2 added the provider: a cursor of one provider's list is refused on another's (1 is still read). */
const VERSION = 2;
/** Longer than any cursor we make (ids are at most 256 characters): refused before decoding. */
const MAX_CURSOR_LENGTH = 1_024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function encodeJobCursor(c: JobCursor): string {
  const fields = [VERSION, c.status, c.createdAt, c.id, c.position, c.total, c.provider];
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

/** The cursor, or BAD_USER_INPUT (field `after`) saying it is not one; the value is quoted only when short. */
export function decodeJobCursor(raw: string): JobCursor {
  const cursor =
    raw.length <= MAX_CURSOR_LENGTH && BASE64URL.test(raw)
      ? parse(Buffer.from(raw, 'base64url').toString('utf8'))
      : undefined;
  if (cursor === undefined) {
    const shown = raw.length <= 64 ? JSON.stringify(raw) : `a string of ${raw.length} characters`;
    throw badUserInput('after', `after: ${shown} is not a cursor of this connection (use a page's endCursor)`);
  }
  return cursor;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parse(text: string): JobCursor | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const [version, status, createdAt, id, position, total, provider = null] = value as unknown[];
  if (!(version === 1 && value.length === 6) && !(version === VERSION && value.length === 7)) return undefined;
  if (provider !== null && !(PROVIDER_NAMES as readonly unknown[]).includes(provider)) return undefined;
  if (status !== null && !(JOB_STATUSES as readonly unknown[]).includes(status)) return undefined;
  if (!isCount(createdAt) || !isCount(position) || !isCount(total)) return undefined;
  if (typeof id !== 'string' || id.length === 0 || id.length > 256 || CONTROL.test(id)) return undefined;
  return {
    provider: provider as ProviderName | null,
    status: status as JobStatusWire | null,
    createdAt,
    id,
    position,
    total,
  };
}
