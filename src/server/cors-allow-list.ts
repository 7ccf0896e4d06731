/**
 * CORS as an allow-list (CORS_ORIGINS): a listed origin gets `Access-Control-Allow-Origin` naming it,
 * with credentials allowed; any other origin gets no CORS headers at all, so a browser keeps the
 * response from that page (and refuses its preflighted requests). The default list is empty: only
 * the gateway's own pages (same origin, which needs no CORS) may read its answers. Before, yoga's
 * default echoed every origin back with credentials allowed.
 *
 * CORS only decides what a page may read. A listed origin is still another site: without credentials
 * of its own it never gets the default ones (credentials.ts).
 *
 * A listed page may read the headers that say what an answer is (`Age` of a cached one, the request's
 * id to quote in a report, `Retry-After` of a refusal), and its browser keeps the preflight's answer
 * for `PREFLIGHT_MAX_AGE_S`: every request of such a page is preflighted (a JSON body, `Authorization`),
 * and without it the browser asked again before each one.
 */
import type { Plugin, YogaServerOptions } from 'graphql-yoga';

type CorsOption = NonNullable<YogaServerOptions<object, object>['cors']>;

/** Headers a listed page may read beyond the CORS-safelisted ones. */
export const EXPOSED_HEADERS = ['Age', 'X-Request-Id', 'Retry-After'];
/** How long a browser may keep a preflight's answer (Chromium caps it at 2 hours, Firefox at 24). */
export const PREFLIGHT_MAX_AGE_S = 3_600;

export function corsAllowList(origins: readonly string[]): CorsOption {
  const allowed = new Set(origins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) return false;
    return {
      origin: [origin],
      credentials: true,
      methods: ['GET', 'POST', 'OPTIONS'],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: PREFLIGHT_MAX_AGE_S,
    };
  };
}

/** Every answer depends on `Origin`: say so, so that no cache hands one origin's answer to another. */
export function useVaryOrigin(): Plugin {
  return {
    onResponse({ response }) {
      const vary = response.headers.get('vary');
      if (vary === null) response.headers.set('vary', 'Origin');
      else if (!/(^|,)\s*origin\s*(,|$)/i.test(vary)) response.headers.set('vary', `${vary}, Origin`);
    },
  };
}
