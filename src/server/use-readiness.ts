/**
 * `/readyz`: answered by `respond` (readiness-response.ts: 200, or 503 with the reason). The same
 * role as yoga's `useReadinessCheck`, whose matching ran
 * on every request: besides two string tests it parsed the URL and tested a URLPattern for every
 * GraphQL request (issue 10). Here a request is the probe only if its path, without the query, is the
 * endpoint: one string comparison, no URL parsing.
 */
import type { Plugin } from 'graphql-yoga';

export interface ReadinessOptions {
  /** @default '/readyz' */
  endpoint?: string;
  /** The probe's answer. */
  respond: (fetchAPI: { Response: typeof Response }) => Response;
}

export function useReadiness({ endpoint = '/readyz', respond }: ReadinessOptions): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (pathOf(request.url) === endpoint) endResponse(respond(fetchAPI));
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
