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
});
