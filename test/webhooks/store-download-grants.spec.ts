/**
 * The download grants of the gateway's own links, on PostgreSQL and on PGlite: a grant opens by its
 * id and by nothing else (the row holds its hash); its key and id are sealed, bound to the row; it is
 * reused only for the same account, job, artifact and step while it lives past the moment asked; an
 * expired grant says so on every read for a day (its sealed key wiped), then is deleted as it is read,
 * and each new grant deletes a bounded batch of those expired for longer;
 * a grant sealed under another key (the key changed at a restart) opens as no grant, and is not reused;
 * two instances on one database serve each other's grants.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { DownloadGrantKey, NewDownloadGrant } from '../../src/webhooks/download-grant-store.js';
import { EXPIRED_KEPT_MS } from '../../src/webhooks/store/download-grants.js';
import { at, describeOnBackends } from './store-backends.js';

const MINUTE = 60_000;
let grants = 0;

function grantKey(overrides: Partial<DownloadGrantKey> = {}): DownloadGrantKey {
  grants += 1;
  return {
    provider: 'together',
    ownerKey: `together:${randomBytes(8).toString('base64url')}`,
    jobId: `ft-${grants}-${randomBytes(4).toString('hex')}`,
    artifact: 'adapter',
    step: null,
    ...overrides,
  };
}

function newGrant(key: DownloadGrantKey, expiresAt: Date, token = `tg-key-${randomBytes(12).toString('hex')}`) {
  return {
    ...key,
    upstreamPath: `/v1/finetune/download?ft_id=${key.jobId}&checkpoint=${key.artifact}`,
    credentials: { token },
    expiresAt,
  } satisfies NewDownloadGrant;
}

const hashOf = (id: string) => createHash('sha256').update(id).digest('hex');

describeOnBackends('download grants', (suite) => {
  const backend = suite.backend;
  const store = suite.store();

  const rowOf = async (id: string) =>
    (await sql<Record<string, any>>`select * from download_grants where grant_hash = ${hashOf(id)}`.execute(backend.db))
      .rows[0];

  it('opens a grant by its id, which the row holds only hashed; key and id are sealed', async () => {
    const key = grantKey();
    const fresh = newGrant(key, at(10 * MINUTE));
    const issued = await store.issueDownloadGrant(fresh, at(0));
    expect(issued.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.expiresAt).toEqual(at(10 * MINUTE));
    expect(await store.openDownloadGrant(issued.id, at(MINUTE))).toEqual({
      kind: 'valid',
      grant: { ...key, upstreamPath: fresh.upstreamPath, credentials: fresh.credentials, expiresAt: at(10 * MINUTE) },
    });
    const row = (await rowOf(issued.id))!;
    const text = JSON.stringify(row);
    expect(text).not.toContain(issued.id);
    expect(text).not.toContain(fresh.credentials.token);
    expect(row['sealed_credentials']).toMatch(/^v1\./);
    expect(row['sealed_id']).toMatch(/^v1\./);
    // Another id of the same form, and ids of no form, open nothing.
    expect(await store.openDownloadGrant(randomBytes(32).toString('base64url'), at(MINUTE))).toEqual({
      kind: 'unknown',
    });
    expect(await store.openDownloadGrant(`${issued.id}x`, at(MINUTE))).toEqual({ kind: 'unknown' });
    expect(await store.openDownloadGrant("' or 1=1 --", at(MINUTE))).toEqual({ kind: 'unknown' });
  });

  it('reuses a grant only for the same account, job, artifact and step, while it lives past the moment asked', async () => {
    const key = grantKey();
    const issued = await store.issueDownloadGrant(newGrant(key, at(10 * MINUTE)), at(0));
    expect(await store.reusableDownloadGrant(key, at(5 * MINUTE))).toEqual(issued);
    expect(await store.reusableDownloadGrant(key, at(10 * MINUTE))).toBeNull();
    for (const other of [
      { ...key, ownerKey: 'together:someone-else' },
      { ...key, jobId: 'ft-another' },
      { ...key, artifact: 'merged' as const },
      { ...key, step: 3 },
    ])
      expect(await store.reusableDownloadGrant(other, at(MINUTE))).toBeNull();
    const stepped = await store.issueDownloadGrant(newGrant({ ...key, step: 3 }, at(10 * MINUTE)), at(0));
    expect(await store.reusableDownloadGrant({ ...key, step: 3 }, at(MINUTE))).toEqual(stepped);
  });

  // Regression: an expired grant was deleted at its first read, so a second request to the same link
  // answered "unknown" (404) instead of "expired" (410).
  it('says expired on every read until a day past its expiry (its sealed key wiped), then is deleted', async () => {
    expect(EXPIRED_KEPT_MS).toBe(24 * 60 * MINUTE);
    const fresh = newGrant(grantKey(), at(10 * MINUTE));
    const issued = await store.issueDownloadGrant(fresh, at(0));
    expect(await store.openDownloadGrant(issued.id, at(10 * MINUTE))).toEqual({ kind: 'expired' });
    const kept = (await rowOf(issued.id))!;
    expect(kept['sealed_credentials']).toBe('');
    expect(kept['sealed_id']).toBe('');
    expect(await store.openDownloadGrant(issued.id, at(11 * MINUTE))).toEqual({ kind: 'expired' });
    const horizon = 10 * MINUTE + EXPIRED_KEPT_MS;
    expect(await store.openDownloadGrant(issued.id, at(horizon - 1))).toEqual({ kind: 'expired' });
    expect(await store.openDownloadGrant(issued.id, at(horizon))).toEqual({ kind: 'unknown' });
    expect(await rowOf(issued.id)).toBeUndefined();
  });

  it('deletes a bounded batch of expired grants, oldest first, at each new grant', async () => {
    await sql`delete from download_grants`.execute(backend.db);
    for (let i = 1; i <= 150; i++) await store.issueDownloadGrant(newGrant(grantKey(), at(i)), at(0));
    const count = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from download_grants`.execute(backend.db)).rows[0]!.n;
    expect(await count()).toBe(150);
    // Within a day of their expiry they are kept (each still says 410).
    await store.issueDownloadGrant(newGrant(grantKey(), at(EXPIRED_KEPT_MS + 20 * MINUTE)), at(EXPIRED_KEPT_MS));
    expect(await count()).toBe(151);
    // Past it, a new grant deletes 100 of them, the next one the other 50.
    const later = EXPIRED_KEPT_MS + 10 * MINUTE;
    await store.issueDownloadGrant(newGrant(grantKey(), at(later + 10 * MINUTE)), at(later));
    expect(await count()).toBe(52);
    const left = await sql<{ e: Date }>`select min(expires_at) as e from download_grants`.execute(backend.db);
    expect(new Date(left.rows[0]!.e)).toEqual(at(101));
    await store.issueDownloadGrant(newGrant(grantKey(), at(later + 10 * MINUTE)), at(later));
    expect(await count()).toBe(3);
  });

  it('opens as no grant, and is not reused, once sealed under another key (and is then deleted)', async () => {
    const key = grantKey();
    const issued = await store.issueDownloadGrant(newGrant(key, at(10 * MINUTE)), at(0));
    const rekeyed = await backend.store({ key: randomBytes(32) });
    try {
      expect(await rekeyed.reusableDownloadGrant(key, at(MINUTE))).toBeNull();
      expect(await rekeyed.openDownloadGrant(issued.id, at(MINUTE))).toEqual({ kind: 'unknown' });
      expect(await rowOf(issued.id)).toBeUndefined();
    } finally {
      await rekeyed.close();
    }
  });

  it("serves another instance's grant (one database, one key)", async () => {
    const key = grantKey();
    const issued = await store.issueDownloadGrant(newGrant(key, at(10 * MINUTE)), at(0));
    const other = await backend.store();
    try {
      expect(await other.reusableDownloadGrant(key, at(MINUTE))).toEqual(issued);
      expect((await other.openDownloadGrant(issued.id, at(MINUTE))).kind).toBe('valid');
    } finally {
      await other.close();
    }
  });
});
