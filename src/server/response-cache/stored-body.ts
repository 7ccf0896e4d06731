/**
 * The bytes of a stored answer, written once. An answer read from the memory store is the same
 * object at every hit, so its JSON (a long metrics curve is most of the cost of serving it) is made
 * once, when the store measures it (memory-store.ts), and reused for the answer that stored it and for
 * every hit after, by yoga's result processor (which stringifies a result
 * with its own `stringify` where it has one: cache-headers.ts) and by the hits answered before yoga
 * (fast-hits.ts). Keyed by the answer's `data`, so it leaves with the answer; an answer read from
 * Redis is a new object at each read and is written each time.
 */
import type { ExecutionResult } from 'graphql';

const bodies = new WeakMap<object, string>();

/** `JSON.stringify({ data })`, made once per stored `data` object. */
export function storedBody(data: object): string {
  let body = bodies.get(data);
  if (body === undefined) bodies.set(data, (body = JSON.stringify({ data })));
  return body;
}

/**
 * `clean` (an answer from the cache, its cache extensions removed) with a `stringify` that yoga's
 * result processor calls: the stored bytes when what yoga writes is `{ data }` alone (yoga removes its
 * internal `http` extension first), else JSON as yoga would write it.
 */
export function withStoredBody(clean: ExecutionResult): ExecutionResult {
  const { data } = clean;
  if (typeof data !== 'object' || data === null) return clean;
  const stringify = (sanitized: Record<string, unknown>): string => {
    const onlyData =
      sanitized['data'] === data &&
      Object.keys(sanitized).every((key) => key === 'data' || key === 'stringify' || sanitized[key] === undefined);
    return onlyData ? storedBody(data) : JSON.stringify(sanitized);
  };
  return Object.assign(clean, { stringify });
}
