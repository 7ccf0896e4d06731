/**
 * Path building. Ids are opaque strings chosen by the upstream or typed by a user, so each one is
 * percent-encoded into exactly one path segment: an id can never add a segment, a query or a fragment.
 */
import { UpstreamError } from './errors.js';

/**
 * One path segment. `encodeURIComponent` leaves `.` alone, and URL parsers (ours, proxies', the
 * upstream's) collapse a `.` or `..` segment, even when written `%2E%2E`; such ids cannot name
 * anything, so they fail here as not found rather than reach another resource. (An id that itself
 * contains `%2E` is safe: its `%` is encoded to `%25`.)
 */
export function segment(kind: string, id: string): string {
  if (id === '' || id === '.' || id === '..') {
    throw new UpstreamError('NOT_FOUND', `No ${kind} with id ${JSON.stringify(id)}.`, { upstreamCode: 'not_found' });
  }
  return encodeURIComponent(id);
}

/** `/organizations/{org}` + `rest`, every id already encoded by `segment`. */
export function organizationPath(organizationId: string, rest: string): string {
  return `/organizations/${segment('organization', organizationId)}${rest}`;
}
