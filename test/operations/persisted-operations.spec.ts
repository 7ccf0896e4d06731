/**
 * Automatic persisted queries (the Apollo protocol, over POST and GET) and trusted-documents mode.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBoundedDocumentStore } from '../../src/server/use-automatic-persisted-queries.js';
import { loadTrustedDocuments } from '../../src/server/load-trusted-documents.js';
import { sha256Hex } from '../../src/server/sha256-hex.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';
import { subscribeWs, wsClient } from '../harness/ws.js';

const QUERY = '{ baseModels { id } }';
const HASH = sha256Hex(QUERY);
const persisted = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

async function post(stack: Stack, body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headersFor(DEMO) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function get(stack: Stack, params: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await stack.gateway.yoga.fetch(`http://gateway.test/graphql?${new URLSearchParams(params)}`, {
    headers: { accept: 'application/graphql-response+json', ...headersFor(DEMO) },
  });
  return { status: res.status, body: await res.json() };
}

describe('automatic persisted queries', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { APQ_MAX_ENTRIES: '2' } });
  });
  afterAll(() => stack.close());

  it('not found, then registered with its document, then run by hash alone over POST and GET', async () => {
    const miss = await post(stack, { extensions: persisted(HASH) });
    expect(miss).toMatchObject({
      status: 404,
      body: { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] },
    });

    stack.simulator.resetStats();
    const registered = await post(stack, { query: QUERY, extensions: persisted(HASH) });
    expect(registered.status).toBe(200);
    expect(registered.body.data.baseModels.length).toBeGreaterThan(0);

    const hit = await post(stack, { extensions: persisted(HASH) });
    expect(hit.body).toEqual(registered.body);
    const overGet = await get(stack, { extensions: JSON.stringify(persisted(HASH)) });
    expect(overGet).toEqual({ status: 200, body: registered.body });
  });

  it("a hash that is not the document's is refused, naming both, and registers nothing", async () => {
    const wrong = sha256Hex('{ jobs { totalCount } }');
    const mismatch = await post(stack, { query: QUERY, extensions: persisted(wrong) });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors).toEqual([
      {
        message: `extensions.persistedQuery.sha256Hash: "${wrong}" is not the SHA-256 of the query sent with it (that is "${HASH}").`,
        extensions: { code: 'BAD_USER_INPUT', field: 'extensions.persistedQuery.sha256Hash' },
      },
    ]);
    expect((await post(stack, { extensions: persisted(wrong) })).body.errors[0].extensions.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
  });

  it('the store is bounded: the least recently used document leaves first', () => {
    const store = createBoundedDocumentStore({ maxEntries: 2, maxBytes: 1_000 });
    store.set('a', 'query A');
    store.set('b', 'query B');
    store.get('a');
    store.set('c', 'query C');
    expect([store.get('a'), store.get('b'), store.get('c')]).toEqual(['query A', undefined, 'query C']);
    store.set('big', 'x'.repeat(490)); // 986 bytes: with the others over the budget of 1,000, they leave
    expect([store.size, store.get('big')?.length]).toEqual([1, 490]);
    store.set('huge', 'x'.repeat(1_000)); // larger than the whole budget: not kept
    expect(store.get('huge')).toBeUndefined();
  });
});

describe('trusted documents', () => {
  const OTHER_QUERY = '{ datasets { id } }';
  let stack: Stack;
  let file: string;
  beforeAll(async () => {
    file = join(await mkdtemp(join(tmpdir(), 'trusted-')), 'trusted-documents.json');
    await writeFile(file, JSON.stringify({ [HASH]: QUERY }));
    stack = await startStack({ http: true, gateway: { trustedDocuments: await loadTrustedDocuments(file) } });
  });
  afterAll(() => stack.close());

  it('runs a listed operation by hash or by its exact text', async () => {
    const byHash = await post(stack, { extensions: persisted(HASH) });
    expect(byHash.status).toBe(200);
    expect(byHash.body.data.baseModels.length).toBeGreaterThan(0);
    expect(await post(stack, { query: QUERY })).toEqual(byHash);
  });

  it('refuses anything else with FORBIDDEN, over HTTP and WebSocket, and registers nothing', async () => {
    stack.simulator.resetStats();
    const text = await post(stack, { query: OTHER_QUERY });
    expect(text).toEqual({
      status: 403,
      body: {
        errors: [
          {
            message:
              'This gateway runs only its trusted documents (TRUSTED_DOCUMENTS_FILE), and the operation sent is not one of them.',
            extensions: { code: 'FORBIDDEN' },
          },
        ],
      },
    });
    const registering = await post(stack, { query: OTHER_QUERY, extensions: persisted(sha256Hex(OTHER_QUERY)) });
    expect(registering.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const unknown = await post(stack, { extensions: persisted(sha256Hex(OTHER_QUERY)) });
    expect(unknown.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/^No trusted document has the hash/),
      extensions: { code: 'FORBIDDEN' },
    });
    expect(stack.calls()).toEqual({});

    const client = wsClient(stack.server!.url, DEMO);
    try {
      const refused = subscribeWs(client, 'subscription { jobsUpdated { id } }', {});
      await expect(refused.done).rejects.toThrow(/FORBIDDEN/);
    } finally {
      await client.dispose();
    }
  });

  it("a file whose hash is not its document's stops the start, naming the hash", async () => {
    const bad = join(tmpdir(), `trusted-bad-${process.pid}.json`);
    await writeFile(bad, JSON.stringify({ [sha256Hex('x')]: QUERY }));
    await expect(loadTrustedDocuments(bad)).rejects.toThrow(
      `the document listed under "${sha256Hex('x')}" has the hash "${HASH}"`,
    );
  });
});
