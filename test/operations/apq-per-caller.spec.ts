/**
 * Issue 17, item 7: the APQ store was shared across tenants, a membership oracle (a hash-only request
 * answered whether anyone had run that document) and a space anyone could fill for everyone. Each
 * caller now reads only the documents it registered itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/server/sha256-hex.js';
import { DEMO, headersFor, OTHER, startStack, type Stack } from '../harness/stack.js';
import type { Credentials } from '../../src/upstream/types.js';

const QUERY = '{ baseModels { id } }';
const persisted = { persistedQuery: { version: 1, sha256Hash: sha256Hex(QUERY) } };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

async function post(creds: Credentials, body: Record<string, unknown>) {
  const res = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headersFor(creds) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe('automatic persisted queries, per caller', () => {
  it('a document one tenant registered is not found by another, whose own registration then runs', async () => {
    expect((await post(DEMO, { query: QUERY, extensions: persisted })).status).toBe(200);
    expect((await post(DEMO, { extensions: persisted })).status).toBe(200);

    const probe = await post(OTHER, { extensions: persisted });
    expect(probe).toEqual({
      status: 404,
      body: { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] },
    });
    // The same hash under the same organization with another token is another caller too.
    const sameOrg = await post({ ...DEMO, token: 'someone-elses-token' }, { extensions: persisted });
    expect(sameOrg.status).toBe(404);

    expect((await post(OTHER, { query: QUERY, extensions: persisted })).status).toBe(200);
    expect((await post(OTHER, { extensions: persisted })).status).toBe(200);
  });
});
