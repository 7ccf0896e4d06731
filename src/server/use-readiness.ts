/**
 * `/readyz`: answered by `respond` (readiness-response.ts: 200, or 503 with the reason). The same
 * role as yoga's `useReadinessCheck`, whose matching ran on every request: besides two string tests
 * it tested a URLPattern for every GraphQL request (issue 10). Here a request is the probe only if
 * the path of the URL yoga already parsed for its plugins is the endpoint: one string comparison.
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
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === endpoint) endResponse(respond(fetchAPI));
    },
  };
}
