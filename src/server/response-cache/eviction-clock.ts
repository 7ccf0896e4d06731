/**
 * When each name an answer can be tied to (`Job:<id>`, `#account:<scope>`, `#account-jobs:<scope>`,
 * the plugin's `Dataset:<id>`…) was last evicted, counted on a clock of evictions: what lets the cache
 * refuse an answer computed across an eviction.
 *
 * Why: an eviction only removes what is stored. A query that began before the caller's own mutation
 * (its upstream read done before the change) and ended after it stored its answer after the
 * mutation's eviction, and the caller's next identical query was served that answer, without what
 * it had just created, for the answer's whole time-to-live.
 *
 * How: a query takes `mark()` when it starts executing, before any upstream read; its answer, and the
 * jobs its list page read (listed-jobs.ts), are stored only if `evictedSince(mark, …)` is false for
 * every name they would be tied to, which is exactly: no eviction since it began would have removed
 * them had they been stored already. Every eviction goes through `evicted` first, synchronously,
 * before anything else of it: a mutation's, a live-update poller's, and another instance's
 * (eviction-broadcast.ts).
 *
 * Bounded: a name evicted more than `maxAgeMs` ago, or beyond the `maxNames` most recently evicted, is
 * forgotten, and a mark taken before the latest eviction forgotten is then taken as evicted (a query
 * that ran that long stores nothing). Read on a monotonic clock, not the gateway's (which tests move).
 */
import type { EvictedEntity } from './eviction-broadcast.js';

export interface EvictionClockOptions {
  /** Names remembered at most (each about a hundred bytes). @default 20,000 */
  maxNames?: number;
  /** How long a name's eviction is remembered, in ms. @default 5 minutes */
  maxAgeMs?: number;
  /** Monotonic time, in ms. @default performance.now */
  now?: () => number;
}

interface Evicted {
  /** The clock's count at this name's last eviction. */
  count: number;
  /** When, on `now`. */
  at: number;
}

const nameOf = ({ typename, id }: EvictedEntity): string => `${typename}:${id}`;

export class EvictionClock {
  private count = 0;
  /** Marks below this may have lost the eviction that concerns them. */
  private floor = 0;
  /** By name, oldest eviction first (a name evicted again moves to the end). */
  private readonly last = new Map<string, Evicted>();
  private readonly maxNames: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(options: EvictionClockOptions = {}) {
    this.maxNames = options.maxNames ?? 20_000;
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Where the evictions stand now: what `evictedSince` is later asked about. */
  mark(): number {
    return this.count;
  }

  /** `entities` are being evicted. */
  evicted(entities: readonly EvictedEntity[]): void {
    if (entities.length === 0) return;
    this.count += 1;
    const at = this.now();
    for (const entity of entities) {
      const name = nameOf(entity);
      this.last.delete(name);
      this.last.set(name, { count: this.count, at });
    }
    for (const [name, evicted] of this.last) {
      if (this.last.size <= this.maxNames && at - evicted.at < this.maxAgeMs) break;
      this.last.delete(name);
      this.floor = Math.max(this.floor, evicted.count);
    }
  }

  /** Whether any of `entities` was evicted after `mark` was taken (or may have been). */
  evictedSince(mark: number, entities: Iterable<EvictedEntity>): boolean {
    if (mark < this.floor) return true;
    if (mark === this.count) return false;
    for (const entity of entities) {
      const evicted = this.last.get(nameOf(entity));
      if (evicted !== undefined && evicted.count > mark) return true;
    }
    return false;
  }
}
