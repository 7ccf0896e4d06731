/**
 * `/readyz`: 200 when `check` returns, 503 with the thrown Error's message (the reason, for whoever
 * reads the probe) when it throws. The same answers as yoga's `useReadinessCheck`, whose matching ran
 * on every request: besides two string tests it parsed the URL and tested a URLPattern for every
 * GraphQL request (issue 10). Here a request is the probe only if its path, without the query, is the
 * endpoint: one string comparison, no URL parsing.
 */
import type { Plugin } from 'graphql-yoga';

export interface ReadinessOptions {
  /** @default '/readyz' */
  endpoint?: string;
  /** Throws (an Error whose message says why) when not ready. */
  check: () => void;
}

export function useReadiness({ endpoint = '/readyz', check }: ReadinessOptions): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (pathOf(request.url) !== endpoint) return;
      try {
        check();
        endResponse(new fetchAPI.Response(null, { status: 200 }));
      } catch (error) {
        const isError = error instanceof Error;
        endResponse(
          new fetchAPI.Response(isError ? error.message : null, {
            status: 503,
            headers: isError ? { 'content-type': 'text/plain; charset=utf-8' } : {},
          }),
        );
      }
    },
  };
}

/** The path of an absolute URL (`http://host/readyz?x` → `/readyz`), without parsing the rest. */
function pathOf(url: string): string {
  const scheme = url.indexOf('://');
  const start = url.indexOf('/', scheme === -1 ? 0 : scheme + 3);
  if (start === -1) return '/';
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  return url.slice(start, end);
}
