/**
 * The requests whose caller the upstream has accepted: at least one of their exchanges was answered
 * as to a known caller (2xx, 3xx, or a 404/409 about the resource itself, which an upstream only
 * sends past authentication). The gateway cannot check a token itself; only the upstream can, so
 * this is what "an authenticated caller" means for the metrics' label slots (bounded-label.ts): a
 * request without credentials, or with invented ones, never reaches such an answer.
 *
 * Keyed by request id (request-scope.ts), as the upstream observer sees it. Bounded: the most recent
 * `max` ids are kept, which covers every request in flight by a wide margin; an older id is only
 * forgotten, never confused with another.
 */
import type { UpstreamObserver } from '../upstream/observer.js';

export interface ProvenRequests {
  /** Told of each exchange with the upstream (combined with the other observers). */
  observer: UpstreamObserver;
  /** Whether the upstream accepted the caller of request `requestId`. */
  has(requestId: string | undefined): boolean;
}

const PROVES_CALLER = (status: number) => (status >= 200 && status < 400) || status === 404 || status === 409;

export function provenRequests(max = 10_000): ProvenRequests {
  const ids = new Set<string>();
  const prove = (id: string) => {
    if (ids.has(id)) return;
    ids.add(id);
    // A Set iterates in insertion order: the first is the oldest.
    if (ids.size > max) ids.delete(ids.values().next().value!);
  };
  return {
    observer: {
      start({ requestId }) {
        if (requestId === undefined) return undefined;
        return {
          end({ status }) {
            if (status !== null && PROVES_CALLER(status)) prove(requestId);
          },
        };
      },
    },
    has: (requestId) => requestId !== undefined && ids.has(requestId),
  };
}
