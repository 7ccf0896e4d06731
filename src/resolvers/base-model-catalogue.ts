/**
 * A brief cache of the base-model catalogue. The catalogue rarely changes, but it is only ever served
 * to a caller whose own credentials the upstream accepted: entries are keyed by a hash of the token
 * and the organization, so a new or bad token always reaches the upstream (and gets UNAUTHENTICATED
 * there) before it sees anything. An entry also dies with its token's JWT `exp`.
 */
import { createHash } from 'node:crypto';
import type { BaseModel } from '../upstream/schemas.js';
import type { Credentials } from '../upstream/types.js';
import { jwtExpiry } from '../upstream/jwt-expiry.js';

export interface BaseModelCatalogueOptions {
  /** How long an answer is reused. 0 disables the cache. */
  ttlMs: number;
  /** Entries kept at most; the oldest goes first. @default 1000 */
  maxEntries?: number;
  now?: () => number;
  /** Told of each lookup while the cache is on: served from it (true) or fetched (false). @default none */
  onLookup?: (hit: boolean) => void;
}

interface Entry {
  expiresAt: number;
  models: Promise<BaseModel[]>;
}

export class BaseModelCatalogue {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly onLookup: (hit: boolean) => void;

  constructor(options: BaseModelCatalogueOptions) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? 1000;
    this.now = options.now ?? Date.now;
    this.onLookup = options.onLookup ?? (() => {});
  }

  /** The catalogue for `creds`, from the cache or from `fetch` (whose failure is never cached). */
  get(creds: Credentials, fetch: () => Promise<BaseModel[]>): Promise<BaseModel[]> {
    if (this.ttlMs <= 0) return fetch();
    const key = createHash('sha256').update(creds.organizationId).update('\0').update(creds.token).digest('base64url');
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) {
      this.onLookup(true);
      return cached.models;
    }
    this.onLookup(false);

    const exp = jwtExpiry(creds.token);
    const expiresAt = Math.min(now + this.ttlMs, exp ?? Number.POSITIVE_INFINITY);
    const models = fetch();
    const entry: Entry = { expiresAt, models };
    this.entries.delete(key);
    this.entries.set(key, entry);
    models.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return models;
  }
}
