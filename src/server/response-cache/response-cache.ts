/**
 * The response cache in front of its store (memory-store.ts, redis-store.ts): what the plugin reads
 * and writes, and the evictions the gateway decides (from live updates and mutations).
 *
 * On the way in, each answer is tied to the entities it holds (`Job:<id>`, as the plugin collects
 * them) and to its caller's account (from its key, cache-identity.ts): every answer to `#account:<scope>`,
 * and an answer that may list jobs to `#account-jobs:<scope>` too. It is stored with when it was stored
 * and for how long (`STORED`, read back by cache-headers.ts for `Age`). Entities without an id (the
 * plugin's per-type records) are dropped: nothing here evicts a whole type, across every caller.
 *
 * The store failing (Redis unreachable) never fails a request: a read is a miss, a write or an
 * eviction is skipped, and the failure is logged once until the store answers again.
 *
 * Every eviction (local or another instance's) is noted first on the eviction clock
 * (eviction-clock.ts), so that an answer begun before it is not stored after it: the plugin's
 * caller asks `evictedSince` with the `mark` its query took when it started, and `tiedTo` names what
 * the answer would be tied to (use-response-cache.ts).
 *
 * What remains of that race is between instances. With memory stores, an answer one instance stores
 * before another instance's eviction reaches it is evicted when it does. With the Redis store, an
 * answer this instance decided to store before hearing another instance's eviction may land in Redis
 * after that instance's own removal there: this instance then evicts the same names in Redis again
 * when it hears it, if it wrote an answer tied to one of them in the last `RECENT_WRITE_MS` (the
 * publishing instance broadcasts before it removes, so the message usually comes first anyway).
 * Left: an eviction this instance never hears (Redis pub/sub drops messages while a subscriber
 * reconnects); the answer's time-to-live bounds it, as it bounds every missed eviction.
 */
import type { Cache } from '@graphql-yoga/plugin-response-cache';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { outageLog } from '../../telemetry/outage-log.js';
import type { ProviderName } from '../../providers/provider-name.js';
import { keyParts, scopeOf } from './cache-identity.js';
import type { EvictedEntity, EvictionBroadcast } from './eviction-broadcast.js';
import { EvictionClock } from './eviction-clock.js';
import type { ListedJobStore } from './listed-jobs.js';
import { createSharedMisses, type SharedMisses, type SharedMissesOptions } from './shared-misses.js';

/** The key, in a stored answer's `extensions`, of when it was stored and its time-to-live: `{ at, ttl }` in ms. */
export const STORED = 'responseCacheStored';

export interface StoredMark {
  at: number;
  ttl: number;
}

export interface ResponseCache {
  /** What the plugin reads and writes, under the keys of cache-identity.ts. */
  readonly store: Cache;
  /** The refreshes under way, which a request asking the same may wait for (shared-misses.ts). */
  readonly misses: SharedMisses;
  /** The jobs callers' list pages read, for their `job(id)` (listed-jobs.ts); null without them. */
  readonly listedJobs: ListedJobStore | null;
  /** A poller saw these jobs of `account` change: evicts every answer holding one, and the account's job lists. */
  jobsChanged(provider: ProviderName, account: string, jobIds: readonly string[]): Promise<void>;
  /** `account` ran a mutation: evicts all of its answers (any of them may be stale now). */
  accountChanged(provider: ProviderName, account: string): Promise<void>;
  /** Applies evictions another instance published (eviction-broadcast.ts). */
  evictHere(entities: readonly EvictedEntity[]): void;
  /** Shares this instance's evictions from now on. */
  share(broadcast: EvictionBroadcast): void;
  /** Where the evictions stand: taken by a query when it starts executing (eviction-clock.ts). */
  mark(): number;
  /**
   * Whether any of `entities` was evicted since `mark` (here or, as far as this instance has heard,
   * on another): what was read before then must not be stored.
   */
  evictedSince(mark: number, entities: Iterable<EvictedEntity>): boolean;
}

export interface ResponseCacheOptions {
  backing: Cache;
  /** The backing store's key of an answer's key (Redis: under its prefix). @default the key itself */
  storeKey?: (key: string) => string;
  logger: Logger;
  /** The gateway's clock (wall time but in tests): `STORED.at`, which every instance reads for `Age`. @default Date.now */
  now?: () => number;
  /** How refreshes are shared (shared-misses.ts). @default a 15 s wait, 10,000 keys remembered */
  misses?: SharedMissesOptions;
  /** Keeps the jobs callers' list pages read, in this instance (every eviction must reach it). @default none */
  listedJobs?: ListedJobStore;
  /**
   * The backing store is every instance's (Redis): another instance's eviction, already applied there,
   * only drops this instance's listed jobs. @default false
   */
  sharedStore?: boolean;
}

/** The typenames under which answers are tied to their caller's account (see the header). */
export const ACCOUNT = '#account';
export const ACCOUNT_JOBS = '#account-jobs';

/**
 * How long a write to a shared store is remembered, in ms: another instance's eviction heard within it
 * of an answer's write is applied to the store again (see the header).
 */
const RECENT_WRITE_MS = 30_000;

type Entities = Parameters<Cache['set']>[2];
type PromiseOrValue<T> = T | Promise<T>;
const isPromise = <T>(value: PromiseOrValue<T>): value is Promise<T> =>
  typeof (value as Promise<T> | null)?.then === 'function';

export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const { backing, logger } = options;
  const storeKey = options.storeKey ?? ((key: string) => key);
  const now = options.now ?? Date.now;
  let broadcast: EvictionBroadcast | null = null;
  const misses = createSharedMisses(options.misses ?? { maxWaitMs: 15_000, rememberKeys: 10_000 });
  const listedJobs = options.listedJobs ?? null;
  const clock = new EvictionClock();
  // With a shared store, the names this instance's answers were tied to, written lately (see the header).
  const recentWrites = options.sharedStore ? new LRUCache<string, true>({ max: 50_000, ttl: RECENT_WRITE_MS }) : null;
  const { guard, read } = storeGuard(logger);
  const evict = async (entities: EvictedEntity[]) => {
    clock.evicted(entities);
    misses.evicted();
    listedJobs?.evict(entities);
    // Sent, not awaited: a Redis that is away must not hold a mutation's answer or a live update up
    // (the gateway's publisher queues while it reconnects). Sent first, on the connection live updates
    // publish on: Redis delivers it before the change it comes with.
    if (broadcast) void guard(() => broadcast!.publish(entities), undefined);
    await guard(() => backing.invalidate(entities), undefined);
  };

  const store: Cache = {
    get(key) {
      const served = (result: Awaited<ReturnType<Cache['get']>>) => {
        if (result != null) misses.served(key);
        return result;
      };
      const found = guard(() => backing.get(storeKey(key)), null, read);
      return isPromise(found) ? found.then(served) : served(found);
    },
    set(key, result, entities, ttl) {
      const mark: StoredMark = { at: now(), ttl };
      const stored = { ...result, extensions: { ...result.extensions, [STORED]: mark } };
      const ties = tiedTo(key, entities);
      if (recentWrites) for (const entity of ties) recentWrites.set(nameOf(entity), true);
      const written = guard(() => backing.set(storeKey(key), stored, ties, ttl), undefined);
      if (!isPromise(written)) return misses.stored(key);
      return written.then(() => misses.stored(key));
    },
    invalidate: (entities) =>
      evict([...entities].flatMap((e) => (e.id == null ? [] : [{ typename: e.typename, id: String(e.id) }]))),
  };
  return {
    store,
    misses,
    listedJobs,
    jobsChanged(provider, account, jobIds) {
      const scope = scopeOf(provider, account);
      return evict([...jobIds.map((id) => ({ typename: 'Job', id })), { typename: ACCOUNT_JOBS, id: scope }]);
    },
    accountChanged: (provider, account) => evict([{ typename: ACCOUNT, id: scopeOf(provider, account) }]),
    evictHere(entities) {
      clock.evicted(entities);
      misses.evicted();
      listedJobs?.evict(entities);
      // A shared store was evicted by the instance that published this; again only for what this
      // instance may have written there since (see the header).
      const again = !recentWrites || entities.some((entity) => recentWrites.has(nameOf(entity)));
      if (again) void guard(() => backing.invalidate(entities), undefined);
    },
    share(next) {
      broadcast = next;
    },
    mark: () => clock.mark(),
    evictedSince: (mark, entities) => clock.evictedSince(mark, entities),
  };
}

const nameOf = ({ typename, id }: EvictedEntity): string => `${typename}:${id}`;

/**
 * Runs the store's operations so that its failing never fails a request: `guard` answers `fallback`
 * instead, and `read` marks a read that worked. An outage is logged twice, not once per request: when
 * the store first fails, and when a read works again. Only a read says so: a write through Redis's
 * pipeline resolves with its errors inside, and taken for a success it had every request log the
 * outage anew (200 lines for 200 queries).
 */
function storeGuard(logger: Logger) {
  const outage = outageLog(logger, {
    level: 'warn',
    failed: 'response cache: the store failed; answering without the cache (logged again once it works)',
    back: 'response cache: the store works again',
  });
  const failed =
    <T>(fallback: T) =>
    (error: unknown): T => {
      outage.failed(error);
      return fallback;
    };
  /** What a read that worked says: the store is back. */
  const read = <T>(value: T): T => {
    outage.succeeded();
    return value;
  };
  const done = <T>(value: T): T => value;
  // Synchronous stores (memory) stay synchronous: a hit costs no extra turn of the event loop.
  const guard = <T>(
    run: () => PromiseOrValue<T>,
    fallback: T,
    succeeded: (value: T) => T = done,
  ): PromiseOrValue<T> => {
    try {
      const value = run();
      return isPromise(value) ? value.then(succeeded, failed(fallback)) : succeeded(value);
    } catch (error) {
      return failed(fallback)(error);
    }
  };
  return { guard, read };
}

/**
 * The entities an answer stored under `key` is tied to (see the header): those it holds that have an
 * id, its account, and its account's job lists when it may list jobs. Without a key, `entities` alone.
 */
export function tiedTo(key: string | null, entities: Entities): EvictedEntity[] {
  const out: EvictedEntity[] = [];
  for (const { typename, id } of entities) if (id != null) out.push({ typename, id: String(id) });
  const parts = key === null ? null : keyParts(key);
  if (parts) {
    out.push({ typename: ACCOUNT, id: parts.scope });
    if (parts.listsJobs) out.push({ typename: ACCOUNT_JOBS, id: parts.scope });
  }
  return out;
}
