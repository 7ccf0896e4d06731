/** Credentials pass through as the caller's; missing or bad ones get UNAUTHENTICATED, never data. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.simulator.resetStats());

async function raw(headers: Record<string, string>) {
  const response = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: '{ baseModels { id } }' }),
  });
  return (await response.json()) as { data: unknown; errors?: Array<{ message: string; extensions: { code: string } }> };
}

describe('credentials', () => {
  it('a request without credentials is refused (no fallback configured) and reaches no upstream', async () => {
    const res = await raw({});
    expect(res.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(res.errors?.[0]?.message).toMatch(/Authorization: Bearer <service token>.*X-Organization-Id/);
    expect(stack.calls()).toEqual({});
  });

  it('a token without an organization id is refused with a message saying so', async () => {
    const res = await raw({ authorization: 'Bearer demo-token' });
    expect(res.errors?.[0]).toMatchObject({
      message: 'A token was sent without an organization id: send "X-Organization-Id: <organization id>" with it (over WebSocket, connectionParams "organizationId").',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('an Authorization value that is not a bearer token is refused', async () => {
    const res = await raw({ authorization: 'Basic ZGVtbzpkZW1v', 'x-organization-id': 'demo-org' });
    expect(res.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(res.errors?.[0]?.message).toBe('The Authorization value must have the form "Bearer <service token>".');
  });

  it('a bad token gets UNAUTHENTICATED even while the catalogue is cached for a good one, and never sees it', async () => {
    const good = await raw({ authorization: 'Bearer demo-token', 'x-organization-id': 'demo-org' });
    expect(good.errors).toBeUndefined();
    const bad = await raw({ authorization: 'Bearer stolen-guess', 'x-organization-id': 'demo-org' });
    expect(bad.data).toBeNull();
    expect(bad.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(bad)).not.toContain('stolen-guess');
    expect(stack.calls()['GET /base-models']).toBe(2);
  });

  it('the fallback credentials serve callers who send none, when configured', async () => {
    const demo = await startStack({ gateway: { fallbackCredentials: DEMO } });
    try {
      const res = await demo.gql('{ baseModels { id } }', {}, null);
      expect(res.errors).toBeUndefined();
      expect(res.data?.baseModels).toHaveLength(8);
    } finally {
      await demo.close();
    }
  });
});
