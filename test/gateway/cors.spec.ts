/**
 * CORS is an allow-list: by default only the gateway's own pages (same origin, which needs no CORS
 * headers); other origins only when listed in CORS_ORIGINS. Before, any origin got its own origin
 * back with credentials allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

const QUERY = JSON.stringify({ query: '{ baseModels { id } }' });

function preflight(stack: Stack, origin: string) {
  return stack.gateway.yoga.fetch('http://localhost:4000/graphql', {
    method: 'OPTIONS',
    headers: {
      host: 'localhost:4000',
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization, x-organization-id',
    },
  });
}

function post(stack: Stack, origin: string) {
  return stack.gateway.yoga.fetch('http://localhost:4000/graphql', {
    method: 'POST',
    headers: { host: 'localhost:4000', origin, 'content-type': 'application/json', ...headersFor(DEMO) },
    body: QUERY,
  });
}

describe('CORS by default (same origin only)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('a preflight from another origin is not allowed', async () => {
    const res = await preflight(stack, 'https://evil.example');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('a response to another origin carries no CORS headers', async () => {
    const res = await post(stack, 'https://evil.example');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('CORS with an allow-list', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateway: { corsOrigins: ['https://app.example', 'http://localhost:5173'] } });
  });
  afterAll(() => stack.close());

  it('a preflight from a listed origin is allowed, with credentials', async () => {
    const res = await preflight(stack, 'https://app.example');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(res.headers.get('vary')).toMatch(/Origin/);
    // Kept an hour: a page's every request is preflighted (frontend trial: no max-age, a preflight each).
    expect(res.headers.get('access-control-max-age')).toBe('3600');
  });

  it('a response to a listed origin names it', async () => {
    const res = await post(stack, 'http://localhost:5173');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(((await res.json()) as { data: { baseModels: unknown[] } }).data.baseModels).toHaveLength(8);
    // What says what the answer is, readable by the page (frontend trial: Age and the request id were not).
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['age', 'x-request-id', 'retry-after']));
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('an origin that is not listed gets no CORS headers, on the preflight and on the response', async () => {
    for (const res of [
      await preflight(stack, 'https://evil.example'),
      await post(stack, 'https://app.example.evil.example'),
    ]) {
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(res.headers.get('vary')).toMatch(/Origin/);
    }
  });
});
