/**
 * What a GraphQL response over HTTP says of itself when the response cache is on:
 * - an answer just cached: `Cache-Control: private, max-age=<its time-to-live, s>` and `Age: 0`;
 * - an answer from the cache: the same `max-age`, and `Age` its seconds in the cache (so a browser
 *   or client keeps it only for what is left);
 * - anything else (errors, mutations, subscriptions, what its types do not let be cached, an answer
 *   the cache would not store (use-response-cache.ts, `NotStored`), a request the cache does not
 *   serve, and any response whose status is not 200, such as yoga's 406 to an `Accept` it cannot
 *   answer): `Cache-Control: no-store`.
 * No validators (`ETag`, `Last-Modified`) on any of them: a conditional request is never answered from
 * the cache (use-response-cache.ts).
 * `private`, and `Vary` on the credential headers: an answer belongs to its caller, and a browser
 * that sent a GET with other credentials (another provider from the dashboard's switch) must not be
 * handed it; and on `Accept`, which decides the answer's media type (and, for errors, its status).
 * A batch is cacheable only when every answer in it is, for the shortest time left.
 *
 * It also removes what the cache put in a result's `extensions` to say this (the plugin's
 * `responseCache`, and the mark `STORED` of response-cache.ts): clients see only the headers.
 */
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ResponseCacheResult } from '../../telemetry/gateway-metrics.js';
import { STORED, type StoredMark } from './response-cache.js';
import { withStoredBody } from './stored-body.js';

/** An answer that may be kept: its time-to-live and its age now, in ms; null: it may not. */
type Freshness = { ttl: number; age: number } | null;

/** The request headers an answer varies on (with `Origin`, cors-allow-list.ts): the caller's, and `Accept`. */
export const VARY = ['Authorization', 'X-Organization-Id', 'X-Provider', 'Accept'];

/**
 * Whether an answer the plugin marks as cached was not stored after all (use-response-cache.ts: the
 * plugin does not ask the store): its response then says `no-store`, and it counts as uncached.
 */
export type NotStored = (result: ExecutionResult) => boolean;

export function useResponseCacheHeaders(
  now: () => number = Date.now,
  count: (result: ResponseCacheResult) => void = () => {},
  notStored: NotStored = () => false,
): Plugin {
  const freshness = new WeakMap<Request, Freshness>();
  return {
    onResultProcess({ request, result, setResult }) {
      if (!isResult(result) && !Array.isArray(result)) return void freshness.set(request, null);
      const results = (Array.isArray(result) ? result : [result]) as ExecutionResult[];
      const read = results.map((one) => readFreshness(one, now(), notStored));
      for (const [, , result] of read) count(result);
      if (read.some(([, clean]) => clean !== undefined)) {
        const cleaned = read.map(([, clean], i) => clean ?? results[i]!);
        setResult(Array.isArray(result) ? cleaned : cleaned[0]!);
      }
      freshness.set(request, shortest(read.map(([f]) => f)));
    },
    onResponse({ request, response }) {
      if (!freshness.has(request) || response.headers.has('cache-control')) return;
      const fresh = freshness.get(request);
      // No validators on any response (an answer stored before they were left out still holds them).
      response.headers.delete('etag');
      response.headers.delete('last-modified');
      if (!fresh || response.status !== 200) {
        response.headers.set('cache-control', 'no-store');
        return;
      }
      response.headers.set('cache-control', `private, max-age=${Math.floor(fresh.ttl / 1000)}`);
      response.headers.set('age', String(Math.max(0, Math.floor(fresh.age / 1000))));
      const vary = response.headers.get('vary');
      const missing = VARY.filter((name) => !new RegExp(`(^|,)\\s*${name}\\s*(,|$)`, 'i').test(vary ?? ''));
      if (missing.length > 0) response.headers.set('vary', [vary, ...missing].filter(Boolean).join(', '));
    },
  };
}

const isResult = (value: unknown): value is ExecutionResult =>
  typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);

/** The answer's freshness, and the answer without the cache's extensions (undefined: it had none). */
function readFreshness(
  result: ExecutionResult,
  at: number,
  notStored: NotStored,
): [Freshness, ExecutionResult | undefined, ResponseCacheResult] {
  const extensions = result.extensions as Record<string, unknown> | undefined;
  const meta = extensions?.['responseCache'] as { hit?: boolean; didCache?: boolean; ttl?: number } | undefined;
  const stored = extensions?.[STORED] as StoredMark | undefined;
  if (!meta && !stored) return [null, undefined, 'uncached'];
  const { responseCache: _meta, [STORED]: _stored, ...rest } = extensions!;
  const clean: ExecutionResult = { ...result };
  if (Object.keys(rest).length > 0) clean.extensions = rest;
  else delete clean.extensions;
  if (meta?.hit && stored) return [{ ttl: stored.ttl, age: at - stored.at }, withStoredBody(clean), 'hit'];
  if (meta?.didCache && typeof meta.ttl === 'number' && !notStored(result))
    return [{ ttl: meta.ttl, age: 0 }, withStoredBody(clean), 'stored'];
  return [null, clean, 'uncached'];
}

/** A batch's freshness: none if any answer has none, else the one with the least time left. */
function shortest(all: Freshness[]): Freshness {
  let best: Freshness = null;
  for (const one of all) {
    if (!one) return null;
    if (!best || one.ttl - one.age < best.ttl - best.age) best = one;
  }
  return best;
}
