/**
 * A brief cache of one answer per caller (the base-model catalogue, the list of datasets). It only
 * ever serves a caller what the upstream gave that same caller: entries are keyed by the organization
 * and the token together, so a new or bad token always reaches the upstream (and gets UNAUTHENTICATED
 * there) before it sees anything, and one caller's answer never reaches another. An entry also dies
 * with its token's JWT `exp`.
 *
 * Why the key is the token itself and not a digest of it: hashing cost a SHA-256 per request on the
 * hot path (issue 10). The map lives in this process only, next to the credentials every request
 * already carries in memory; it is never logged, serialised or exposed, and it is bounded (LRU).
 */
import type { Credentials } from '../upstream/types.js';
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

interface Entry<T> {
  expiresAt: number;
  value: Promise<T>;
}

export class CallerCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly onLookup: (hit: boolean) => void;

  constructor(options: CallerCacheOptions) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? 1000;
    this.now = options.now ?? Date.now;
    this.onLookup = options.onLookup ?? (() => {});
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** The answer for `creds`, from the cache or from `fetch` (whose failure is never cached). */
  get(creds: Credentials, fetch: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return fetch();
    const key = keyOf(creds);
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) {
      this.onLookup(true);
      // Most recently used last: the eviction below takes the first key.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.value;
    }
    this.onLookup(false);
    return this.store(key, creds, fetch(), now);
  }

  /** Replaces the caller's answer with one just fetched elsewhere (a full list the caller asked for). */
  set(creds: Credentials, value: T): void {
    if (this.ttlMs <= 0) return;
    this.store(keyOf(creds), creds, Promise.resolve(value), this.now());
  }

  /** Forgets the caller's answer (after a change this gateway made for them). */
  forget(creds: Credentials): void {
    this.entries.delete(keyOf(creds));
  }

  private store(key: string, creds: Credentials, value: Promise<T>, now: number): Promise<T> {
    const exp = jwtExpiry(creds.token);
    const entry: Entry<T> = { expiresAt: Math.min(now + this.ttlMs, exp ?? Number.POSITIVE_INFINITY), value };
    this.entries.delete(key);
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return value;
  }
}

/** Organization ids and tokens never contain NUL (tokens are visible ASCII), so the pair is unambiguous. */
function keyOf(creds: Credentials): string {
  return `${creds.organizationId}\0${creds.token}`;
}
