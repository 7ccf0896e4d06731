/**
 * The per-caller cache: an answer is reused for its TTL, never past its token's JWT `exp`, the least
 * recently used caller goes first when it is full, and a failed fetch is never served again.
 */
import { UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { CallerCache } from '../../src/resolvers/caller-cache.js';

const START = 1_700_000_000_000;
const caller = (token: string) => ({ token, organizationId: 'org-1' });
const jwtExpiringAt = (ms: number) => new UnsecuredJWT({}).setExpirationTime(Math.floor(ms / 1000)).encode();

function setup(options: { ttlMs: number; maxEntries?: number }) {
  let now = START;
  const lookups: boolean[] = [];
  const cache = new CallerCache<string>({ ...options, now: () => now, onLookup: (hit) => lookups.push(hit) });
  let fetches = 0;
  const get = (token: string) => cache.get(caller(token), async () => `answer ${++fetches}`);
  return { cache, get, lookups, advance: (ms: number) => void (now += ms) };
}

describe('CallerCache', () => {
  it('reuses an answer within its TTL, then fetches again', async () => {
    const { get, lookups, advance } = setup({ ttlMs: 1_000 });
    expect(await get('t')).toBe('answer 1');
    advance(999);
    expect(await get('t')).toBe('answer 1');
    advance(2);
    expect(await get('t')).toBe('answer 2');
    expect(lookups).toEqual([false, true, false]);
  });

  it("never serves an answer past its token's exp", async () => {
    const { get, advance } = setup({ ttlMs: 60_000 });
    const token = jwtExpiringAt(START + 10_000);
    expect(await get(token)).toBe('answer 1');
    advance(9_000);
    expect(await get(token)).toBe('answer 1');
    advance(1_001);
    expect(await get(token)).toBe('answer 2');
  });

  it('keeps nothing for a token already expired', async () => {
    const { get } = setup({ ttlMs: 60_000 });
    const token = jwtExpiringAt(START - 1_000);
    expect(await get(token)).toBe('answer 1');
    expect(await get(token)).toBe('answer 2');
  });

  it('drops the least recently used caller when full', async () => {
    const { get } = setup({ ttlMs: 60_000, maxEntries: 2 });
    await get('a'); // answer 1
    await get('b'); // answer 2
    await get('a'); // a used again: b is now the oldest
    await get('c'); // answer 3, evicts b
    expect(await get('a')).toBe('answer 1');
    expect(await get('b')).toBe('answer 4');
  });

  it('does not keep a failed fetch', async () => {
    const { cache } = setup({ ttlMs: 60_000 });
    await expect(cache.get(caller('t'), () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get(caller('t'), async () => 'fresh')).toBe('fresh');
  });

  it('is off with a TTL of 0', async () => {
    const { get, lookups } = setup({ ttlMs: 0 });
    await get('t');
    expect(await get('t')).toBe('answer 2');
    expect(lookups).toEqual([]);
  });

  it("does not keep an answer fetched elsewhere that began before the caller's answer was forgotten", async () => {
    const { cache, get, advance } = setup({ ttlMs: 60_000 });
    const before = cache.mark();
    cache.forget(caller('t')); // a change made for t while its list was on its way
    cache.set(caller('t'), 'stale list', before);
    expect(await get('t')).toBe('answer 1');

    const after = cache.mark();
    cache.set(caller('t'), 'fresh list', after);
    expect(await get('t')).toBe('fresh list');

    // Another caller's forget does not hold back this one's answer.
    const since = cache.mark();
    cache.forget(caller('u'));
    cache.set(caller('t'), 'newer list', since);
    expect(await get('t')).toBe('newer list');

    // A forget is remembered for as long as a fetch may take (10 minutes), then let go.
    const old = cache.mark();
    cache.forget(caller('t'));
    advance(10 * 60_000 + 1);
    cache.forget(caller('u'));
    cache.set(caller('t'), 'late list', old);
    expect(await get('t')).toBe('late list');
  });
});
