/**
 * Regression (issue 17, item 6): the rate limit was keyed by whatever token a request presented, before
 * the upstream had accepted it, so inventing a token per request got a fresh quota each time: 20,000
 * requests with fake tokens were all admitted and 5,000 reached the upstream as 401s. A token not yet
 * accepted by the upstream now spends its address's quota, failed authentications are limited per
 * address, and a token the upstream accepted keeps a quota of its own.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createWindowCounter } from '../../src/server/window-counter.js';
import { DEMO, OTHER, headersFor, startStack, type Stack } from '../harness/stack.js';
import type { Credentials } from '../../src/upstream/types.js';

const QUERY = '{ datasets { id } }';
let stack: Stack;
afterEach(() => stack.close());

async function post(creds: Credentials): Promise<{ status: number; code: unknown; message: unknown }> {
  const res = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headersFor(creds) },
    body: JSON.stringify({ query: QUERY }),
  });
  const body = (await res.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
  return { status: res.status, code: body.errors?.[0]?.extensions?.code, message: body.errors?.[0]?.message };
}

const fake = (): Credentials => ({ token: `fake-${randomUUID()}`, organizationId: 'demo-org' });

async function rotate(n: number) {
  const answers = [];
  for (let i = 0; i < n; i++) answers.push(await post(fake()));
  return answers;
}

describe('rotating fake tokens from one address', () => {
  it('are stopped after RATE_LIMIT_AUTH_FAILURES failed authentications; a proven token keeps its own quota', async () => {
    stack = await startStack({
      env: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_POINTS: '20', RATE_LIMIT_AUTH_FAILURES: '3' },
      // The response cache off: this spec asks the same queries again and counts what reaches the upstream.
      gateway: { responseCache: null },
    });
    expect((await post(DEMO)).status).toBe(200); // the upstream accepts DEMO's token: proven
    stack.simulator.resetStats();

    const answers = await rotate(40);
    expect(stack.calls()).toEqual({ 'GET /datasets': 3 });
    expect(answers.slice(0, 3).map((a) => a.code)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
    for (const refused of answers.slice(3)) {
      expect(refused).toEqual({
        status: 429,
        code: 'RATE_LIMITED',
        message: expect.stringMatching(
          /^Too many failed authentications from this address: at most 3 per 60 s \(RATE_LIMIT_AUTH_FAILURES\)\. Retry after \d+ s\.$/,
        ),
      });
    }
    for (let i = 0; i < 5; i++) expect((await post(DEMO)).status).toBe(200);
    expect(stack.calls()).toEqual({ 'GET /datasets': 8 });
  });

  it('share one quota per address, whatever their number', async () => {
    stack = await startStack({
      env: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_POINTS: '10', RATE_LIMIT_AUTH_FAILURES: '1000' },
      gateway: { responseCache: null },
    });
    expect((await post(DEMO)).status).toBe(200); // one point of the address's quota, then DEMO's own
    stack.simulator.resetStats();

    const answers = await rotate(30);
    expect(stack.calls()).toEqual({ 'GET /datasets': 9 });
    expect(answers.filter((a) => a.code === 'UNAUTHENTICATED')).toHaveLength(9);
    expect(answers.filter((a) => a.status === 429 && a.code === 'RATE_LIMITED')).toHaveLength(21);
    // DEMO's own quota is untouched by the address's.
    for (let i = 0; i < 9; i++) expect((await post(DEMO)).status).toBe(200);
  });
});

describe('a token the upstream never accepts (another organization: 403 after 403)', () => {
  it('spends at most a quarter of its address quota, so a new token from there is still accepted', async () => {
    stack = await startStack({
      env: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_POINTS: '8', RATE_LIMIT_AUTH_FAILURES: '1000' },
      gateway: { responseCache: null },
    });
    const misconfigured: Credentials = { token: DEMO.token, organizationId: OTHER.organizationId };
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await post(misconfigured));
    expect(answers.slice(0, 2).map((a) => a.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    for (const refused of answers.slice(2)) {
      expect(refused).toEqual({
        status: 429,
        code: 'RATE_LIMITED',
        message: expect.stringMatching(
          /^Rate limit of this gateway \(not the fine-tuning service's\): a token the service has not accepted yet may start at most 2 operations per 60 s \(a quarter of RATE_LIMIT_POINTS\)\. Retry after \d+ s\.$/,
        ),
      });
    }
    expect(stack.calls()).toEqual({ 'GET /datasets': 2 });
    // Another client of the same address, with its own token: not locked out by the first one.
    expect((await post(OTHER)).status).toBe(200);
    expect(stack.calls()).toEqual({ 'GET /datasets': 3 });
  });
});

describe("the limiter's memory", () => {
  it('holds at most RATE_LIMIT_MAX_KEYS keys, whatever the number of callers', () => {
    stack = { close: async () => {} } as Stack;
    const counter = createWindowCounter({ points: 2, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) counter.consume(`address:10.0.${i >> 8}.${i & 255}`);
    expect(counter.size()).toBe(100);
    // A key held is counted as before.
    expect(counter.consume('k').ok).toBe(true);
    expect(counter.consume('k').ok).toBe(true);
    expect(counter.consume('k')).toMatchObject({ ok: false });
  });
});
