/**
 * The memory store's bounds (RESPONSE_CACHE_MAX_ENTRIES, RESPONSE_CACHE_MAX_BYTES) and its entity
 * index, and the cache in front of it: entities without an id are never indexed (nothing evicts a
 * whole type across callers), each answer is tied to its account, and a store that fails is a miss,
 * never a failed request.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RESPONSE_TTL_POLICY, responseTtlPolicy, uncacheableTypes } from '../../src/schema/response-cache-policy.js';
import { schema } from '../../src/schema/index.js';
import { cacheIdentity, cacheKey } from '../../src/server/response-cache/cache-identity.js';
import { createMemoryStore } from '../../src/server/response-cache/memory-store.js';
import { createResponseCache, STORED } from '../../src/server/response-cache/response-cache.js';

const answer = (size: number) => ({ data: { text: 'x'.repeat(size) } });
const job = (id: string) => ({ typename: 'Job', id });

describe('the memory store', () => {
  it('keeps at most its entries, least recently used leaving first', () => {
    const store = createMemoryStore({ maxEntries: 3, maxBytes: 1_000_000 });
    for (const key of ['a', 'b', 'c']) store.set(key, answer(10), [], 60_000);
    store.get('a');
    store.set('d', answer(10), [], 60_000);
    expect(['a', 'b', 'c', 'd'].map((key) => store.get(key) !== null)).toEqual([true, false, true, true]);
    expect(store.size()).toBe(3);
  });

  it('keeps at most its bytes of JSON, and no answer over a tenth of them', () => {
    const store = createMemoryStore({ maxEntries: 1_000, maxBytes: 10_000 });
    store.set('large', answer(1_200), [], 60_000);
    expect(store.get('large')).toBeNull();
    for (let i = 0; i < 20; i++) store.set(`k${i}`, answer(900), [], 60_000);
    expect(store.size()).toBeLessThanOrEqual(10);
    expect(store.get('k19')).not.toBeNull();
    expect(store.get('k0')).toBeNull();
  });

  it('evicts by entity every answer holding it, and forgets answers however they leave', () => {
    const store = createMemoryStore({ maxEntries: 2, maxBytes: 1_000_000 });
    store.set('one', answer(1), [job('1')], 60_000);
    store.set('both', answer(1), [job('1'), job('2')], 60_000);
    store.invalidate([job('1')]);
    expect([store.get('one'), store.get('both')]).toEqual([null, null]);
    store.set('two', answer(1), [job('2')], 60_000);
    store.set('three', answer(1), [job('3')], 60_000);
    store.set('four', answer(1), [job('2')], 60_000); // pushes `two` out
    store.invalidate([job('2')]);
    expect([store.get('two'), store.get('three'), store.get('four')]).toEqual([null, { data: { text: 'x' } }, null]);
  });
});

describe('the response cache in front of a store', () => {
  const logger = pino({ level: 'silent' });
  const identity = cacheIdentity('nscale', { token: 't1', organizationId: 'acme' });

  it("ties each answer to its account (a document naming `jobs` to the account's job lists too), never to a bare type", async () => {
    const written: Array<{ key: string; entities: Array<{ typename: string; id?: string | number }> }> = [];
    const backing = createMemoryStore({ maxEntries: 10, maxBytes: 100_000 });
    const cache = createResponseCache({
      backing: {
        ...backing,
        set: (key, result, entities, ttl) => (
          written.push({ key, entities: [...entities] }),
          backing.set(key, result, entities, ttl)
        ),
      },
      logger,
    });
    const list = cacheKey(identity, 'localhost', '{ jobs { totalCount } }', null, {});
    const models = cacheKey(identity, 'localhost', '{ baseModels { id } }', null, {});
    await cache.store.set(list, answer(1), [job('j1'), { typename: 'JobEdge' }], 5_000);
    await cache.store.set(models, answer(1), [{ typename: 'BaseModel', id: 'm1' }], 5_000);
    expect(written.map((w) => w.entities.map((e) => e.typename))).toEqual([
      ['Job', '#account', '#account-jobs'],
      ['BaseModel', '#account'],
    ]);
    expect(((await cache.store.get(list))?.extensions as Record<string, any>)[STORED]).toMatchObject({ ttl: 5_000 });

    await cache.jobsChanged('nscale', 'acme', ['j-other']); // another job of the account: the list goes
    expect([await cache.store.get(list), await cache.store.get(models)].map(Boolean)).toEqual([false, true]);
    await cache.jobsChanged('nscale', 'globex', ['j-other']); // another account: nothing goes
    expect(await cache.store.get(models)).not.toBeNull();
    await cache.accountChanged('nscale', 'acme');
    expect(await cache.store.get(models)).toBeNull();
  });

  it('answers a miss when its store fails, and stores nothing', async () => {
    const failing = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      invalidate: () => Promise.reject(new Error('down')),
    };
    const cache = createResponseCache({ backing: failing, logger });
    await expect(cache.store.get('k')).resolves.toBeNull();
    await expect(cache.store.set('k', answer(1), [], 1_000)).resolves.toBeUndefined();
    await expect(cache.accountChanged('nscale', 'acme')).resolves.toBeUndefined();
  });

  it('logs an outage of its store twice (when it starts, when a read works again), not once per request', async () => {
    const lines: Array<{ level: number; msg: string; failures?: number }> = [];
    const log = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) },
    );
    let down = true;
    // As ioredis's pipeline does with Redis away: a read rejects, a write resolves with its errors inside.
    const flaky = {
      get: () => (down ? Promise.reject(new Error("Stream isn't writeable")) : Promise.resolve(null)),
      set: () => Promise.resolve(undefined),
      invalidate: () => Promise.resolve(undefined),
    };
    const cache = createResponseCache({ backing: flaky, logger: log });
    for (let i = 0; i < 20; i++) {
      await cache.store.get(`k${i}`);
      await cache.store.set(`k${i}`, answer(i), [], 1_000);
    }
    down = false;
    await cache.store.get('k');
    await cache.store.get('k');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'response cache: the store failed; answering without the cache (logged again once it works)'],
      [30, 'response cache: the store works again'],
    ]);
    expect(lines[1]?.failures).toBe(20);
  });

  it('keys a caller by provider, account and token, and never holds the token', () => {
    const same = cacheKey(cacheIdentity('nscale', { token: 't1', organizationId: 'acme' }), 'h', '{ a }', null, {});
    const sibling = cacheKey(cacheIdentity('nscale', { token: 't2', organizationId: 'acme' }), 'h', '{ a }', null, {});
    const together = cacheKey(cacheIdentity('together', { token: 't1' }), 'h', '{ a }', null, {});
    expect(new Set([same, sibling, together]).size).toBe(3);
    expect(same.slice(0, 22)).toBe(sibling.slice(0, 22)); // one organization: one scope
    for (const key of [same, sibling, together]) expect(key).not.toMatch(/t1|t2|acme/);
  });
});

describe('the types an answer may hold and be cached', () => {
  it('are those the policy lists and their parts; every other type keeps an answer out', () => {
    const out = uncacheableTypes(schema, RESPONSE_TTL_POLICY);
    for (const name of ['WebhookEndpoint', 'WebhookDelivery', 'CostEstimate', 'HuggingFaceExport', 'DatasetAnalysis'])
      expect(out).toContain(name);
    for (const name of [
      'Query',
      'Mutation',
      'Job',
      'JobEdge',
      'PageInfo',
      'Metrics',
      'MetricPoint',
      'FileColumn',
      'ProviderCapabilities',
    ])
      expect(out).not.toContain(name);
  });
});

describe("the times-to-live by the gateway's poll intervals", () => {
  it('follow them, but keep nothing about jobs longer than a finished job however slowly the gateway polls', () => {
    const paced = responseTtlPolicy({ queuedMs: 3_000, listMs: 7_000 });
    expect(paced.jobs).toMatchObject({ queued: 3_000, starting: 3_000, running: 7_000 });
    expect(paced.coordinates.JobConnection).toBe(7_000);
    const slow = responseTtlPolicy({ queuedMs: 3_600_000, listMs: 86_400_000 });
    expect(slow.jobs).toMatchObject({ queued: slow.jobs.completed, running: slow.jobs.completed });
    expect(slow.coordinates.JobConnection).toBe(slow.jobs.completed);
    expect(slow.jobs.completed).toBe(600_000);
  });
});
