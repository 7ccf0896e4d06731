/**
 * One refresh at a time per cached answer. When a caller's cached answer runs out, every request of
 * that caller asking the same question while the first refresh is on its way would be a miss of its
 * own: one more execution and its upstream calls each (a dashboard's list of jobs, asked by twenty
 * browsers of one token every few seconds, with an upstream that takes 100 ms, was fetched nearly
 * twice per time-to-live: bench/RESULTS.md, issue 22). Here such a request waits for the refresh
 * under way and is answered with what it stored (fast-hits.ts).
 *
 * The waiting requests are released as soon as the refresh's answer is stored, not when its own
 * response has been written: a client slow to read its answer holds no one else up (with default
 * credentials, every anonymous caller is one caller here).
 *
 * Only for a key whose answer was served from the cache before (a refresh): a mutation, a query
 * whose answer is never cached or is too large to keep, is never waited for. Keys are the cache's (cache-identity.ts): one caller's, never
 * another's. A request waits at most `maxWaitMs`, and only once: if the refresh stored nothing (an
 * error, an answer not to cache), it runs its own. Any eviction forgets the refreshes under way: a
 * request that comes after a mutation never waits for an answer begun before it.
 */
import { LRUCache } from 'lru-cache';

export interface SharedMisses {
  /** Resolves when the refresh of `key` under way ends (or after `maxWaitMs`); undefined when none is. */
  running(key: string): Promise<void> | undefined;
  /**
   * Makes the caller the refresh of `key` when its answer was served before and no refresh is under
   * way; returns what to call when it ends (answered, refused, or its client gone), else null.
   */
  lead(key: string): (() => void) | null;
  /** `key`'s answer was read from the cache (so a refresh of it is likely to be stored again). */
  served(key: string): void;
  /** `key`'s answer was stored: the requests waiting for it are released at once, whatever its own client does. */
  stored(key: string): void;
  /** An eviction happened: what the refreshes under way answer may predate it. */
  evicted(): void;
}

export interface SharedMissesOptions {
  /** The longest a request waits for a refresh before running its own. */
  maxWaitMs: number;
  /** How many served keys are remembered (the least recently served are forgotten first). */
  rememberKeys: number;
}

interface Refresh {
  ended: Promise<void>;
  end: () => void;
}

export function createSharedMisses({ maxWaitMs, rememberKeys }: SharedMissesOptions): SharedMisses {
  const servedKeys = new LRUCache<string, true>({ max: rememberKeys });
  const refreshes = new Map<string, Refresh>();
  return {
    running(key) {
      const refresh = refreshes.get(key);
      if (!refresh) return undefined;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxWaitMs);
        void refresh.ended.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    lead(key) {
      if (refreshes.has(key) || !servedKeys.has(key)) return null;
      let end!: () => void;
      const refresh: Refresh = { ended: new Promise<void>((resolve) => (end = resolve)), end };
      refreshes.set(key, refresh);
      return () => {
        if (refreshes.get(key) === refresh) refreshes.delete(key);
        refresh.end();
      };
    },
    served(key) {
      servedKeys.set(key, true);
    },
    stored(key) {
      const refresh = refreshes.get(key);
      if (!refresh) return;
      refreshes.delete(key);
      refresh.end();
    },
    evicted() {
      refreshes.clear();
    },
  };
}
