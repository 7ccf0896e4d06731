/**
 * What the response cache keeps out, seen from a client and counted from the simulator:
 * - a request yoga refuses after running it (406: an `Accept` it writes no result as) says
 *   `no-store`, stores nothing, and is not served a cached answer; `Vary` names `Accept`;
 * - an answer is stored only for credentials the upstream accepted during its operation: made-up
 *   tokens (and a forged JWT) get `no-store` even where no credentials are needed (`providers`), so
 *   that a flood of them cannot push a tenant's answers out of the store every caller shares;
 * - no validator on any answer (the plugin's `ETag` was its cache key);
 * - an answer read from what the upstream gave the same token (the catalogue it keeps per caller) is
 *   stored as one the upstream was asked for.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME_1, ACME_2, ask, CACHE_TENANTS, LONG_TTLS } from '../harness/response-cache.js';
import { headersFor, startStack, type Stack } from '../harness/stack.js';
import type { Credentials } from '../../src/upstream/types.js';

const SECRET = 'response-cache-refusals-secret';
/** Answers the store keeps at most: fewer than the made-up callers below. */
const MAX_ENTRIES = 10;
const DATASETS = '{ datasets { id name } }';
const PROVIDERS = '{ providers { name } }';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    simulator: { tenants: CACHE_TENANTS, jwtSecret: SECRET },
    gateway: { responseCache: { store: 'memory', maxEntries: MAX_ENTRIES, maxBytes: 4 * 1024 * 1024 } },
    responseCache: { policy: LONG_TTLS },
  });
});
afterAll(() => stack.close());

/** `query` by GET with `accept`, as `creds`: its status, headers and upstream calls. */
async function getWith(query: string, accept: string, creds: Credentials = ACME_1) {
  const requestId = `rc-${randomUUID()}`;
  const response = await stack.gateway.yoga.fetch(`http://gateway.test/graphql?query=${encodeURIComponent(query)}`, {
    headers: { accept, 'x-request-id': requestId, ...headersFor(creds) },
  });
  await response.arrayBuffer();
  const calls = stack.simulator.recentRequests().filter((r) => r.requestId === requestId).length;
  return { status: response.status, headers: response.headers, calls };
}

describe('a request yoga refuses for its Accept', () => {
  it('says no-store, stores nothing, and is not served a cached answer', async () => {
    const QUERY = '{ datasets { id } }';
    const refused = await getWith(QUERY, 'text/plain');
    expect(refused.status).toBe(406);
    expect(refused.calls).toBe(1); // yoga ran it before refusing it
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(refused.headers.get('age')).toBeNull();
    // Nothing was stored for it: the same question, asked acceptably, asks the upstream.
    const first = await ask(stack, QUERY);
    expect(first.calls).toEqual({ 'GET /datasets': 1 });
    expect(first.headers.get('cache-control')).toBe('private, max-age=600');
    expect(first.headers.get('vary')).toContain('Accept');
    expect((await ask(stack, QUERY)).calls).toEqual({});
    // Cached now: a refused request still gets no cached answer's headers.
    const refusedHit = await getWith(QUERY, 'text/plain');
    expect(refusedHit.status).toBe(406);
    expect(refusedHit.headers.get('cache-control')).toBe('no-store');
    expect(refusedHit.headers.get('age')).toBeNull();
    // A GET yoga answers is served from the cache as before.
    const served = await getWith(QUERY, 'application/json');
    expect([served.status, served.calls]).toEqual([200, 0]);
    expect(served.headers.get('cache-control')).toBe('private, max-age=600');
  });
});

describe('credentials the upstream did not accept', () => {
  const madeUp = (i: number): Credentials => ({ token: `made-up-${randomUUID()}-${i}`, organizationId: 'acme' });

  it('store nothing, so a flood of made-up tokens leaves a tenant’s answers in place', async () => {
    expect((await ask(stack, DATASETS)).calls).toEqual({ 'GET /datasets': 1 });
    expect((await ask(stack, DATASETS)).calls).toEqual({});
    for (let i = 0; i < MAX_ENTRIES * 3; i++) {
      const answer = await ask(stack, PROVIDERS, {}, madeUp(i));
      expect(answer.body.errors).toBeUndefined(); // `providers` needs no credentials
      expect(answer.headers.get('cache-control')).toBe('no-store');
    }
    const refused = await ask(stack, DATASETS, {}, madeUp(-1));
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.headers.get('cache-control')).toBe('no-store');
    const tenant = await ask(stack, DATASETS);
    expect(tenant.calls).toEqual({});
    expect(tenant.headers.get('cache-control')).toBe('private, max-age=600');
  });

  it('nor does a forged JWT; a JWT the upstream accepts is cached as any token', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3_600;
    const signed = await new SignJWT({ organization_id: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
    const [header] = signed.split('.');
    const payload = Buffer.from(JSON.stringify({ organization_id: 'acme', exp })).toString('base64url');
    const forged = { token: `${header}.${payload}.AAAA`, organizationId: 'acme' };
    for (let i = 0; i < 2; i++)
      expect((await ask(stack, PROVIDERS, {}, forged)).headers.get('cache-control')).toBe('no-store');
    const forgedList = await ask(stack, DATASETS, {}, forged);
    expect(forgedList.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const valid = { token: signed, organizationId: 'acme' };
    const stored = await ask(stack, DATASETS, {}, valid);
    expect(stored.calls).toEqual({ 'GET /datasets': 1 });
    expect(stored.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect((await ask(stack, DATASETS, {}, valid)).calls).toEqual({});
  });

  it('an answer that needed no upstream call is not cached even for an accepted caller: it costs nothing', async () => {
    expect((await ask(stack, DATASETS)).calls).toEqual({}); // ACME_1 is accepted (and cached)
    const providers = await ask(stack, PROVIDERS);
    expect(providers.body.errors).toBeUndefined();
    expect(providers.calls).toEqual({});
    expect(providers.headers.get('cache-control')).toBe('no-store');
  });

  // Regression (frontend trial): `{ baseModels { id } }` was no-store or max-age=300 depending on whether
  // the gateway's catalogue of the caller was warm (no upstream call, so nothing said it was accepted).
  it('an answer read from what the upstream gave the same token (its catalogue) is stored', async () => {
    const warm = await ask(stack, '{ baseModels { id name } }', {}, ACME_2);
    expect(warm.calls).toEqual({ 'GET /base-models': 1 });
    expect(warm.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    const fromCatalogue = await ask(stack, '{ baseModels { id } }', {}, ACME_2);
    expect(fromCatalogue.body.errors).toBeUndefined();
    expect(fromCatalogue.calls).toEqual({});
    expect(fromCatalogue.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
  });
});
