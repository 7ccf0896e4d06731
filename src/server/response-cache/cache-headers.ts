/**
 * What a GraphQL response over HTTP says of itself when the response cache is on:
 * - an answer just cached: `Cache-Control: private, max-age=<its time-to-live, s>` and `Age: 0`;
 * - an answer from the cache: the same `max-age`, and `Age` its seconds in the cache (so a browser
 *   or client keeps it only for what is left);
 * - anything else (errors, mutations, subscriptions, what its types do not let be cached, a request
 *   the cache does not serve): `Cache-Control: no-store`, and no validators (`ETag`, `Last-Modified`).
 * `private`, and `Vary` on the credential headers: an answer belongs to its caller, and a browser
 * that sent a GET with other credentials (another provider from the dashboard's switch) must not be
 * handed it. A batch is cacheable only when every answer in it is, for the shortest time left.
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

/** The request headers an answer varies on (with `Origin`, cors-allow-list.ts): the caller's. */
export const VARY = ['Authorization', 'X-Organization-Id', 'X-Provider'];

export function useResponseCacheHeaders(
  now: () => number = Date.now,
  count: (result: ResponseCacheResult) => void = () => {},
): Plugin {
  const freshness = new WeakMap<Request, Freshness>();
  return {
    onResultProcess({ request, result, setResult }) {
      if (!isResult(result) && !Array.isArray(result)) return void freshness.set(request, null);
      const results = (Array.isArray(result) ? result : [result]) as ExecutionResult[];
      const read = results.map((one) => readFreshness(one, now()));
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
      if (!fresh) {
        response.headers.set('cache-control', 'no-store');
        response.headers.delete('etag');
        response.headers.delete('last-modified');
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
  if (meta?.didCache && typeof meta.ttl === 'number')
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
