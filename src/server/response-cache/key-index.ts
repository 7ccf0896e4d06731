/**
 * An index of cache keys by a name they are tied to (an entity, an account): what an eviction by that
 * name finds them by. Used by the memory store (memory-store.ts) and the listed jobs (listed-jobs.ts),
 * each keeping it in step with its own LRU as entries come and go.
 */
export type KeyIndex = Map<string, Set<string>>;

/** Ties `key` to `name`. */
export function index(keys: KeyIndex, name: string, key: string): void {
  const tied = keys.get(name);
  if (tied) tied.add(key);
  else keys.set(name, new Set([key]));
}

/** Unties `key` from `name`, and forgets `name` once nothing is tied to it. */
export function unindex(keys: KeyIndex, name: string, key: string): void {
  const tied = keys.get(name);
  if (!tied) return;
  tied.delete(key);
  if (tied.size === 0) keys.delete(name);
}
