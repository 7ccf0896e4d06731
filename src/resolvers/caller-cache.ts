/**
 * A brief cache of one answer per caller (the base-model catalogue, the list of datasets). It only
 * ever serves a caller what the upstream gave that same caller: entries are keyed by the organization
 * and the token together, so a new or bad token always reaches the upstream (and gets UNAUTHENTICATED
 * there) before it sees anything, and one caller's answer never reaches another. An entry also dies
 * with its token's JWT `exp`.
 *
 * Why the key is the token itself and not a digest of it: hashing cost a SHA-256 per request on the
 * hot path (issue 10). The map lives in this process only, next to the credentials every request
 * already carries in memory; it is never logged, serialised or exposed, and it is bounded (lru-cache, least recently used first out).
 */
import { LRUCache } from 'lru-cache';
import type { CallCredentials as Credentials } from '../upstream/types.js';
import { jwtExpiry } from '../upstream/jwt-expiry.js';

export interface CallerCacheOptions {
  /** How long an answer is reused. 0 disables the cache. */
  ttlMs: number;
  /** Entries kept at most; the least recently used goes first. @default 1000 */
  maxEntries?: number;
  now?: () => number;
  /** Told of each lookup while the cache is on: served from it (true) or fetched (false). @default none */
  onLookup?: (hit: boolean) => void;
}

/**
 * Where the cache stood when a fetch began (`CallerCache.mark`): `set` keeps the fetch's answer only if
 * the caller's answer was not forgotten since.
 */
export type CacheMark = number;

/** How long a forget is remembered: longer than any fetch takes (an upstream call's deadline is shorter). */
const FORGET_MEMORY_MS = 10 * 60_000;

export class CallerCache<T> {
  /** Answers in flight are cached too: callers arriving together share one fetch. */
  private readonly entries: LRUCache<string, Promise<T>>;
  /** Forgets so far, in all; the last one's count and time per caller, oldest first. */
  private forgets = 0;
  private readonly forgotten = new Map<string, { count: number; at: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly onLookup: (hit: boolean) => void;

  constructor(options: CallerCacheOptions) {
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
    this.onLookup = options.onLookup ?? (() => {});
    this.entries = new LRUCache({
      max: options.maxEntries ?? 1000,
      // Ages read on the gateway's clock, every time: lru-cache's default keeps a read for 1 ms of
      // real time, which a test clock would not follow.
      perf: { now: this.now },
      ttlResolution: 0,
    });
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /**
   * The answer for `creds`, from the cache or from `fetch` (whose failure is never cached). `accepted`
   * is told when a cached answer is served: it is one the upstream gave these very credentials (an
   * answer is kept only when its fetch succeeded), so they were accepted as surely as by a call; the
   * response cache stores an answer only for accepted credentials (a warm catalogue made
   * `{ baseModels { id } }` no-store).
   */
  get(creds: Credentials, fetch: () => Promise<T>, accepted?: () => void): Promise<T> {
    if (this.ttlMs <= 0) return fetch();
    const key = keyOf(creds);
    const cached = this.entries.get(key);
    this.onLookup(cached !== undefined);
    if (cached === undefined) return this.store(key, creds, fetch());
    if (accepted) cached.then(accepted, () => {});
    return cached;
  }

  /** To take before a fetch whose answer is handed to `set`. */
  mark(): CacheMark {
    return this.forgets;
  }

  /**
   * Replaces the caller's answer with one just fetched elsewhere (a full list the caller asked for),
   * unless the caller's answer was forgotten after `since` (`mark()` before the fetch began): an answer
   * begun before a change this gateway made would bring back what the change removed (a dataset
   * deleted while a list was on its way showed on the caller's pages for the whole TTL).
   */
  set(creds: Credentials, value: T, since: CacheMark): void {
    if (this.ttlMs <= 0) return;
    const key = keyOf(creds);
    if ((this.forgotten.get(key)?.count ?? 0) > since) return;
    this.store(key, creds, Promise.resolve(value));
  }

  /** Forgets the caller's answer (after a change this gateway made for them). */
  forget(creds: Credentials): void {
    const key = keyOf(creds);
    this.entries.delete(key);
    if (this.ttlMs <= 0) return;
    const now = this.now();
    this.forgets += 1;
    this.forgotten.delete(key);
    this.forgotten.set(key, { count: this.forgets, at: now });
    for (const [old, { at }] of this.forgotten) {
      if (at > now - FORGET_MEMORY_MS) break;
      this.forgotten.delete(old);
    }
  }

  private store(key: string, creds: Credentials, value: Promise<T>): Promise<T> {
    const now = this.now();
    const ttl = Math.min(this.ttlMs, (jwtExpiry(creds.token) ?? Number.POSITIVE_INFINITY) - now);
    // A token already expired: nothing to keep (a ttl of 0 would mean "forever" to lru-cache).
    if (ttl <= 0) {
      this.entries.delete(key);
      return value;
    }
    this.entries.set(key, value, { ttl, start: now });
    value.catch(() => {
      // `peek`, not `get`: a failure must not count as a use.
      if (this.entries.peek(key) === value) this.entries.delete(key);
    });
    return value;
  }
}

/**
 * Organization ids and tokens never contain NUL (tokens are visible ASCII), so the pair is unambiguous.
 * Together's credentials have no organization: each provider has caches of its own (context.ts), so a
 * key never meets another provider's.
 */
function keyOf(creds: Credentials): string {
  return `${creds.organizationId ?? ''}\0${creds.token}`;
}
