/**
 * The requests whose caller the upstream has accepted: at least one of their exchanges was answered
 * as to a known caller (2xx, 3xx, or a 404/409 about the resource itself, which an upstream only
 * sends past authentication). The gateway cannot check a token itself; only the upstream can, so
 * this is what "an authenticated caller" means for the metrics' label slots (bounded-label.ts): a
 * request without credentials, or with invented ones, never reaches such an answer.
 *
 * How an answer reaches its request. The upstream observer sees an exchange's request id (its call's
 * `requestId`, request-scope.ts) and status, nothing else, and a request id is the client's own
 * `X-Request-Id` when it sends a well-formed one. Keyed by that id alone, a proof could be borrowed: a
 * request without credentials that sent the id of one the upstream had accepted counted as accepted.
 * So an HTTP request claims its id before its first upstream call (`claim`) and gets a proof of its
 * own, an object no client can name, which the answers for that id set:
 *
 * - An id claimed again while it is remembered is contested: the later claim's proof is never set,
 *   and no answer for the id proves anything from then on. A request that reuses an id, however
 *   innocently, takes no label slot (it is counted still, under a name already admitted or `other`).
 * - An answer for an id no request claimed proves that id (`has`): a WebSocket connection's, whose
 *   operations are counted by their connection's id. An HTTP request that claims an id proven so
 *   is contested.
 *
 * Bounded: the most recent `max` claims and `max` proven ids are kept, which covers every request in
 * flight by a wide margin. A claim still answered (a live poller keeps the id of the subscription
 * that started it) is kept among the most recent, so that its id is never free to be claimed anew.
 */
import type { UpstreamObserver } from '../upstream/observer.js';

/** One HTTP request's proof: true once the upstream accepted its caller. */
export interface RequestProof {
  readonly proven: boolean;
}

export interface ProvenRequests {
  /** Told of each exchange with the upstream (combined with the other observers). */
  observer: UpstreamObserver;
  /** Claims `requestId` for one HTTP request, before its upstream calls: the proof its answers set. */
  claim(requestId: string): RequestProof;
  /** Whether the upstream accepted the caller of `requestId`, an id no HTTP request claimed (a WebSocket connection's). */
  has(requestId: string | undefined): boolean;
}

const PROVES_CALLER = (status: number) => (status >= 200 && status < 400) || status === 404 || status === 409;

/** A contested claim's proof, and a later claimant's: never set. */
const NEVER: RequestProof = Object.freeze({ proven: false });

class Claim implements RequestProof {
  proven = false;
  contested = false;
  /** The claim count when it was last put among the most recent. */
  constructor(public touched: number) {}
}

export function provenRequests(max = 10_000): ProvenRequests {
  const claims = new Map<string, Claim>();
  const ids = new Set<string>();
  let count = 0;
  /** Map and Set iterate in insertion order: the first is the oldest. */
  const keep = (id: string, claim: Claim) => {
    claims.set(id, claim);
    if (claims.size > max) claims.delete(claims.keys().next().value!);
  };
  const prove = (id: string) => {
    const claim = claims.get(id);
    if (claim === undefined) {
      if (ids.has(id)) return;
      ids.add(id);
      if (ids.size > max) ids.delete(ids.values().next().value!);
      return;
    }
    if (!claim.contested) claim.proven = true;
    // Moved among the most recent only once it is in the older half: a request's own answers come
    // right after its claim and cost a lookup; a poller's keep its id from being forgotten.
    if (count - claim.touched > max / 2) {
      claims.delete(id);
      claim.touched = count;
      keep(id, claim);
    }
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
    claim(requestId) {
      count++;
      const held = claims.get(requestId);
      if (held !== undefined) {
        held.contested = true;
        return NEVER;
      }
      const claim = new Claim(count);
      // An id some connection was proven with: the answers for it could be that connection's.
      if (ids.has(requestId)) claim.contested = true;
      keep(requestId, claim);
      return claim.contested ? NEVER : claim;
    },
    has: (requestId) => requestId !== undefined && ids.has(requestId),
  };
}
