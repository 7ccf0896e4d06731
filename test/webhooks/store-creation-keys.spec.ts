/**
 * The creation keys' records (createJob's idempotencyKey) on both databases: a claim records the key
 * once, and every later claim reads that record (under way, created with its job, answer lost, or
 * another input) without changing it; a refused creation frees the key; an expired record is
 * replaced, and expired records are purged at claims; two scopes never share a key.
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
    expect(await store.claimCreationKey(lost, 'h', at(2_000), at(DAY))).toEqual({ kind: 'unknown' });
    // A finished record is not finished again (a late writer changes nothing).
    await store.finishCreationKey(lost, { kind: 'created', jobId: 'ft-late' }, at(3_000));
    expect(await store.claimCreationKey(lost, 'h', at(4_000), at(DAY))).toEqual({ kind: 'unknown' });
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
