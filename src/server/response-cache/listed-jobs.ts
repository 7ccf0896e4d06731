/**
 * The jobs each caller's list pages read from Nscale (whose list holds each job whole, as
 * `GET /jobs/{id}` gives it; Together's holds truncated ones: jobs-connection.ts), kept for as long
 * as the response cache may keep an answer showing them (src/schema/response-cache-policy.ts: by
 * status), so that the same caller's `job(id)` right after takes the job from there instead of
 * asking `GET /jobs/{id}` again.
 *
 * Why: a dashboard asks the list and a job's page on every poll. A running job's page (the job and its
 * loss curve) ran out of the cache one time-to-live after it was stored and cost two upstream calls,
 * while the list that had just read the same job a moment before cost one; the job detail's calls were
 * nine tenths of what a fleet of dashboards asked (bench/RESULTS.md, issue 22).
 *
 * What an answer built this way may show, and no more than a cached answer already could:
 * - only what the upstream gave the same caller (provider, account and token, as the response cache
 *   keys its answers: cache-identity.ts); never another token's, even of the same organization;
 * - only while the time-to-live of the job's status, counted from when the list was asked (before its
 *   call was sent), has not run out, and not past the token's JWT `exp`. The answer is then cached
 *   only for what is left of that time (`noteValidUntil`), so no answer shows a job older than its
 *   time-to-live, however it was built;
 * - nothing evicted: every eviction of the response cache (a live-update change, the caller's own
 *   mutation, another instance's eviction) drops the jobs it names here too, and a list page read
 *   by a query that began before such an eviction keeps nothing (`forRequest`'s `evictedSince`): its
 *   jobs may be older than the change.
 *
 * Only queries the response cache serves read or fill it (use-response-cache.ts); mutations,
 * subscriptions and a gateway without the cache always ask the upstream. In this instance's memory,
 * with either store: with Redis, every instance's evictions reach it through the eviction broadcast
 * (build-response-cache.ts). Bounded (least recently used first out), and indexed by job and by
 * account, so that an eviction costs what it drops, not what is kept.
 */
import { LRUCache } from 'lru-cache';
import type { ListedJobs } from '../../resolvers/context.js';
import { noteValidUntil, type ResponseTtlPolicy } from '../../schema/response-cache-policy.js';
import type { Job } from '../../upstream/schemas.js';
import type { CacheIdentity } from './cache-identity.js';
import type { EvictedEntity } from './eviction-broadcast.js';
import { index, unindex, type KeyIndex } from './key-index.js';
import { ACCOUNT, ACCOUNT_JOBS } from './response-cache.js';

interface Entry {
  job: Job;
  /** When the list that read it was asked. */
  askedAt: number;
  /** Until when an answer may show it. */
  validUntil: number;
  /** The caller's account (cache-identity.ts), which an account's eviction names. */
  scope: string;
}

export interface ListedJobStoreOptions {
  policy: ResponseTtlPolicy;
  now: () => number;
  /** Jobs kept at most, over every caller (RESPONSE_CACHE_MAX_ENTRIES). */
  maxEntries: number;
  /** Told of each `recall`: a listed job taken (true) or none (the upstream is asked). @default none */
  onRecall?: (used: boolean) => void;
}

/** Typenames of the response cache's evictions by account. */
const ACCOUNT_TYPENAMES = new Set([ACCOUNT, ACCOUNT_JOBS]);

export class ListedJobStore {
  private readonly entries: LRUCache<string, Entry>;
  private readonly policy: ResponseTtlPolicy;
  private readonly now: () => number;
  private readonly onRecall: (used: boolean) => void;
  /** The keys of the entries of each job and of each account: what an eviction finds them by. */
  private readonly byJob: KeyIndex = new Map();
  private readonly byScope: KeyIndex = new Map();

  constructor(options: ListedJobStoreOptions) {
    this.policy = options.policy;
    this.now = options.now;
    this.onRecall = options.onRecall ?? (() => {});
    this.entries = new LRUCache({
      max: options.maxEntries,
      perf: { now: this.now },
      ttlResolution: 0,
      // However an entry leaves (replaced, evicted, expired, deleted), its keys leave the indexes, at once.
      dispose: (entry, key) => {
        unindex(this.byJob, entry.job.id, key);
        unindex(this.byScope, entry.scope, key);
      },
    });
  }

  /** Jobs held now (expired ones may still count until they are next touched). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The store as one request of `identity` reads and fills it; `context` is the request's (for its
   * answer's time-to-live). `evictedSince` tells whether any of the entities named was evicted since
   * the request's query began (use-response-cache.ts): a page read before then is not kept.
   */
  forRequest(
    identity: CacheIdentity,
    context: object,
    evictedSince: (entities: readonly EvictedEntity[]) => boolean = () => false,
  ): ListedJobs {
    return {
      remember: (jobs, askedAt) => {
        const names: EvictedEntity[] = [
          { typename: ACCOUNT, id: identity.scope },
          { typename: ACCOUNT_JOBS, id: identity.scope },
          ...jobs.map((job) => ({ typename: 'Job', id: job.id })),
        ];
        if (evictedSince(names)) return;
        for (const job of jobs) this.remember(identity, job, askedAt);
      },
      recall: (id) => {
        const entry = this.entries.get(keyOf(identity, id));
        const used = entry !== undefined && this.now() < entry.validUntil;
        this.onRecall(used);
        if (!used) return undefined;
        noteValidUntil(context, entry.validUntil);
        return entry.job;
      },
    };
  }

  /** Drops the jobs the response cache evicts: by id (`Job`), or all of an account's. */
  evict(entities: readonly EvictedEntity[]): void {
    const jobIds = new Set<string>();
    const scopes = new Set<string>();
    for (const { typename, id } of entities) {
      if (typename === 'Job') jobIds.add(id);
      else if (ACCOUNT_TYPENAMES.has(typename)) scopes.add(id);
    }
    const gone: string[] = [];
    for (const id of jobIds) gone.push(...(this.byJob.get(id) ?? []));
    for (const scope of scopes) gone.push(...(this.byScope.get(scope) ?? []));
    for (const key of gone) this.entries.delete(key);
  }

  private remember(identity: CacheIdentity, job: Job, askedAt: number): void {
    const validUntil = Math.min(askedAt + this.policy.jobs[job.status], identity.expiresAt ?? Infinity);
    const left = validUntil - this.now();
    if (!(left > 0)) return;
    const key = keyOf(identity, job.id);
    // Two lists answered out of order: the one asked later holds the newer job.
    const held = this.entries.peek(key);
    if (held && held.askedAt > askedAt) return;
    // Replacing an entry disposes of the old one (its keys unindexed) before this indexes the new one.
    this.entries.set(key, { job, askedAt, validUntil, scope: identity.scope }, { ttl: Math.ceil(left) });
    index(this.byJob, job.id, key);
    index(this.byScope, identity.scope, key);
  }
}

const keyOf = (identity: CacheIdentity, id: string): string => `${identity.session}\n${id}`;
