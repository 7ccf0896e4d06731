/**
 * What the response-cache specs share: tenants with two tokens in one organization, a policy whose
 * every time-to-live is ten minutes (so that a fresh answer can only come from an eviction, never
 * from a time-to-live running out under a slow machine), and a request that keeps its response's
 * headers and counts what it cost the upstream.
 */
import { RESPONSE_TTL_POLICY, type ResponseTtlPolicy } from '../../src/schema/response-cache-policy.js';
import { randomUUID } from 'node:crypto';
import type { Simulator } from '../../src/simulator/index.js';
import type { Credentials } from '../../src/upstream/types.js';
import { headersFor, type Stack } from './stack.js';

export const ACME_1: Credentials = { token: 'acme-token-1', organizationId: 'acme' };
export const ACME_2: Credentials = { token: 'acme-token-2', organizationId: 'acme' };
export const GLOBEX: Credentials = { token: 'globex-token', organizationId: 'globex' };
export const CACHE_TENANTS = [ACME_1, ACME_2, GLOBEX];

const TEN_MINUTES = 600_000;
const lengthened = <K extends string>(ttls: Readonly<Record<K, number>>) =>
  Object.fromEntries(Object.entries<number>(ttls).map(([k, ttl]) => [k, ttl > 0 ? TEN_MINUTES : 0])) as Record<
    K,
    number
  >;

/** The schema's policy with every time-to-live that is not 0 set to ten minutes. */
export const LONG_TTLS: ResponseTtlPolicy = {
  coordinates: lengthened(RESPONSE_TTL_POLICY.coordinates),
  jobs: lengthened(RESPONSE_TTL_POLICY.jobs),
};

export interface Answer<T = Record<string, any>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
  /**
   * What this request cost the upstream: the simulator's requests carrying its request id (the gateway
   * passes `X-Request-Id` on), by route; live-update polls running meanwhile carry their own ids.
   */
  calls: Record<string, number>;
}

/**
 * Runs `query` in-process as `creds` (none: no credential headers), counting the upstream requests it
 * made; a null `query` sends none (a persisted query's hash in `extensions` instead).
 */
export async function ask<T = Record<string, any>>(
  stack: Stack,
  query: string | null,
  variables: Record<string, unknown> = {},
  creds: Credentials | null = ACME_1,
  options: {
    headers?: Record<string, string>;
    upstream?: Simulator;
    extensions?: Record<string, unknown>;
    /** `http`: over the stack's HTTP server (which answers cache hits before yoga), not yoga.fetch. */
    over?: 'http' | undefined;
  } = {},
): Promise<Answer<T>> {
  const requestId = `rc-${randomUUID()}`;
  const send = (init: RequestInit) =>
    options.over === 'http'
      ? fetch(`${stack.server!.url}/graphql`, init)
      : stack.gateway.yoga.fetch('http://gateway.test/graphql', init);
  const response = await send({
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      'x-request-id': requestId,
      ...(creds ? headersFor(creds) : {}),
      ...options.headers,
    },
    body: JSON.stringify({
      ...(query === null ? {} : { query }),
      variables,
      ...(options.extensions ? { extensions: options.extensions } : {}),
    }),
  });
  const body = (await response.json()) as Answer<T>['body'];
  const calls: Record<string, number> = {};
  for (const { route, requestId: id } of (options.upstream ?? stack.simulator).recentRequests())
    if (id === requestId) calls[route] = (calls[route] ?? 0) + 1;
  return { status: response.status, headers: response.headers, body, calls };
}
