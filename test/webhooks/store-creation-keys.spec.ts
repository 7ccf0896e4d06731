/**
 * The creation keys' records (createJob's idempotencyKey) on both databases: a claim records the key
 * once, and every later claim reads that record (under way, created with its job, answer lost, or
 * another input) without changing it; a refused creation frees the key; an expired record is
 * replaced, and expired records are purged at claims; two scopes never share a key. An unsettled
 * record (under way, or its answer lost) is settled with a job found on the provider or taken over,
 * only from the state and claim read: of two instances racing on it, one moves it.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { CreationKey } from '../../src/webhooks/creation-key-store.js';
import { at, describeOnBackends, T0 } from './store-backends.js';

const DAY = 24 * 60 * 60 * 1000;
let keys = 0;
const freshKey = (scope = 'scope-a'): CreationKey => ({ provider: 'together', scope, key: `key-${++keys}` });

describeOnBackends('creation keys', ({ backend, store: declare }) => {
  const store = declare();
  const other = declare(); // a second instance on the same database

  it('claims once; every later claim, on any instance, reads the record', async () => {
    const key = freshKey();
    expect(await store.claimCreationKey(key, 'h1', T0, at(DAY))).toEqual({ kind: 'claimed' });
    expect(await other.claimCreationKey(key, 'h1', at(1_000), at(DAY + 1_000))).toEqual({
      kind: 'creating',
      since: T0,
    });
    expect(await other.claimCreationKey(key, 'h2', at(1_000), at(DAY + 1_000))).toEqual({ kind: 'other-input' });
    await store.finishCreationKey(key, { kind: 'created', jobId: 'ft-1' }, at(2_000));
    expect(await other.claimCreationKey(key, 'h1', at(3_000), at(DAY + 3_000))).toEqual({
      kind: 'created',
      jobId: 'ft-1',
    });
    // Another caller's equal key is its own.
    expect(await other.claimCreationKey({ ...key, scope: 'scope-b' }, 'h1', at(3_000), at(DAY))).toEqual({
      kind: 'claimed',
    });
  });

  it('frees a refused creation, keeps a lost one unknown', async () => {
    const refused = freshKey();
    await store.claimCreationKey(refused, 'h', T0, at(DAY));
    await store.finishCreationKey(refused, { kind: 'refused' }, at(1_000));
    expect(await store.claimCreationKey(refused, 'h', at(2_000), at(DAY))).toEqual({ kind: 'claimed' });
    const lost = freshKey();
    await store.claimCreationKey(lost, 'h', T0, at(DAY));
    await store.finishCreationKey(lost, { kind: 'unknown' }, at(1_000));
    const unknown = { kind: 'unknown', since: T0, endedAt: at(1_000) };
    expect(await store.claimCreationKey(lost, 'h', at(2_000), at(DAY))).toEqual(unknown);
    // A finished record is not finished again (a late writer changes nothing).
    await store.finishCreationKey(lost, { kind: 'created', jobId: 'ft-late' }, at(3_000));
    expect(await store.claimCreationKey(lost, 'h', at(4_000), at(DAY))).toEqual(unknown);
  });

  it('replaces an expired record, and purges expired ones at claims', async () => {
    const key = freshKey('scope-expiry');
    await store.claimCreationKey(key, 'h1', T0, at(DAY));
    await store.finishCreationKey(key, { kind: 'created', jobId: 'ft-old' }, at(1_000));
    const stale = freshKey('scope-expiry');
    await store.claimCreationKey(stale, 'h', T0, at(1_000));
    expect(await store.claimCreationKey(key, 'h2', at(DAY), at(2 * DAY))).toEqual({ kind: 'claimed' });
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from creation_keys
      where scope = 'scope-expiry' and idempotency_key = ${stale.key}`.execute(backend.db);
    expect(rows[0]!.n).toBe(0);
  });
});

describeOnBackends('creation keys, settled after a check of the provider', ({ store: declare }) => {
  const store = declare();
  const other = declare(); // a second instance on the same database

  it('takes a stale record over once: the racing instance, and a stale read, change nothing', async () => {
    const key = freshKey('scope-retake');
    await store.claimCreationKey(key, 'h', T0, at(DAY));
    const seen = { state: 'creating', since: T0 } as const;
    const [mine, theirs] = await Promise.all([
      store.retakeCreationKey(key, seen, at(120_000), at(DAY + 120_000)),
      other.retakeCreationKey(key, seen, at(120_001), at(DAY + 120_001)),
    ]);
    expect([mine, theirs].sort()).toEqual([false, true]);
    const since = mine ? at(120_000) : at(120_001);
    expect(await other.claimCreationKey(key, 'h', at(121_000), at(DAY))).toEqual({ kind: 'creating', since });
    // Settling on the stale read is refused too; the taker's outcome is recorded as a claim's.
    expect(await other.settleCreationKey(key, seen, 'ft-found', at(122_000))).toBe(false);
    await store.finishCreationKey(key, { kind: 'created', jobId: 'ft-new' }, at(123_000));
    expect(await other.claimCreationKey(key, 'h', at(124_000), at(DAY))).toEqual({ kind: 'created', jobId: 'ft-new' });
    expect(await other.retakeCreationKey(key, { state: 'creating', since }, at(125_000), at(DAY))).toBe(false);
  });

  it('takes over a record whose answer was lost, or settles it with the job found', async () => {
    const retaken = freshKey('scope-retake');
    await store.claimCreationKey(retaken, 'h', T0, at(DAY));
    await store.finishCreationKey(retaken, { kind: 'unknown' }, at(1_000));
    expect(await other.retakeCreationKey(retaken, { state: 'creating', since: T0 }, at(60_000), at(DAY))).toBe(false);
    expect(await other.retakeCreationKey(retaken, { state: 'unknown', since: T0 }, at(60_000), at(DAY))).toBe(true);
    expect(await store.claimCreationKey(retaken, 'h', at(61_000), at(DAY))).toEqual({
      kind: 'creating',
      since: at(60_000),
    });
    const settled = freshKey('scope-retake');
    await store.claimCreationKey(settled, 'h', T0, at(DAY));
    await store.finishCreationKey(settled, { kind: 'unknown' }, at(1_000));
    const seen = { state: 'unknown', since: T0 } as const;
    expect(await other.settleCreationKey(settled, seen, 'ft-found', at(2_000))).toBe(true);
    expect(await store.settleCreationKey(settled, seen, 'ft-other', at(3_000))).toBe(false);
    expect(await store.claimCreationKey(settled, 'h', at(4_000), at(DAY))).toEqual({
      kind: 'created',
      jobId: 'ft-found',
    });
    // The job is that key's: another key of the caller is told so, a key of another caller is not.
    expect(await store.jobsOfOtherKeys(freshKey('scope-retake'), ['ft-found', 'ft-none'])).toEqual(['ft-found']);
    expect(await store.jobsOfOtherKeys(settled, ['ft-found'])).toEqual([]);
    expect(await store.jobsOfOtherKeys(freshKey('scope-elsewhere'), ['ft-found'])).toEqual([]);
  });

  it('moves no expired record', async () => {
    const key = freshKey('scope-retake');
    await store.claimCreationKey(key, 'h', T0, at(1_000));
    const seen = { state: 'creating', since: T0 } as const;
    expect(await store.retakeCreationKey(key, seen, at(2_000), at(DAY))).toBe(false);
    expect(await store.settleCreationKey(key, seen, 'ft-late', at(2_000))).toBe(false);
  });
});
