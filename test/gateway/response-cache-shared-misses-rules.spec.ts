/**
 * The rules of src/server/response-cache/shared-misses.ts on their own, where HTTP cannot reach them
 * reliably: the waiting requests are released when the refresh's answer is stored (before its own
 * response is written, which a client slow to read could hold up), a wait is bounded, and only an
 * answer served before is refreshed one at a time. (Over HTTP: response-cache-shared-misses.spec.ts.)
 */
import { describe, expect, it } from 'vitest';
import { createSharedMisses } from '../../src/server/response-cache/shared-misses.js';

const settled = async (promise: Promise<void> | undefined): Promise<boolean> => {
  let done = false;
  void promise?.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('shared misses', () => {
  it('releases the waiting requests once the answer is stored, before the refresh ends', async () => {
    const misses = createSharedMisses({ maxWaitMs: 60_000, rememberKeys: 10 });
    misses.served('k');
    const end = misses.lead('k');
    expect(end).not.toBeNull();
    const waiting = misses.running('k');
    expect(await settled(waiting)).toBe(false);
    misses.stored('k');
    expect(await settled(waiting)).toBe(true);
    expect(misses.running('k')).toBeUndefined(); // a later miss leads its own refresh
    end!(); // the first refresh's response, written at last: nothing left to release
    expect(misses.lead('k')).not.toBeNull();
  });

  it('releases them when the refresh ends without storing (an error, its client gone)', async () => {
    const misses = createSharedMisses({ maxWaitMs: 60_000, rememberKeys: 10 });
    misses.served('k');
    const end = misses.lead('k')!;
    const waiting = misses.running('k');
    end();
    expect(await settled(waiting)).toBe(true);
  });

  it('waits no longer than maxWaitMs', async () => {
    const misses = createSharedMisses({ maxWaitMs: 30, rememberKeys: 10 });
    misses.served('k');
    misses.lead('k');
    const started = performance.now();
    await misses.running('k');
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('refreshes one at a time only what was served before, per key, and forgets all refreshes on an eviction', async () => {
    const misses = createSharedMisses({ maxWaitMs: 60_000, rememberKeys: 2 });
    expect(misses.lead('never-served')).toBeNull();
    misses.served('a');
    misses.served('b');
    expect(misses.lead('a')).not.toBeNull();
    expect(misses.lead('a')).toBeNull(); // one at a time
    expect(misses.running('b')).toBeUndefined(); // another key is its own
    const waiting = misses.running('a');
    misses.evicted();
    expect(misses.running('a')).toBeUndefined(); // a request after the eviction does not wait
    expect(await settled(waiting)).toBe(false); // one sent before it still waits for its refresh
    misses.served('c'); // the least recently served of three ('a') is forgotten
    expect(misses.lead('a')).toBeNull();
    expect(misses.lead('b')).not.toBeNull();
  });
});
