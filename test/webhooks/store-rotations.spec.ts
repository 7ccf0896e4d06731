/**
 * Rotations of a signing secret, on PostgreSQL and on PGlite: every secret rotated away keeps signing
 * until its own grace ends, not only the last one (a second rotation within the grace must not cut the
 * first secret off), the three newest at most; a previous secret that only the single column of
 * 2026-12-01 holds (written by an instance older than the list) signs too; and the migration that
 * adds the list carries over the previous secret an endpoint had.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateToLatest } from '../../src/webhooks/store/open-store.js';
import { T0, at, describeOnBackends, freshOwner, newEndpoint } from './store-backends.js';

const GRACE_MS = 60_000;
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

describeOnBackends('signing secret rotations', (suite) => {
  const backend = suite.backend;
  const store = suite.store();

  /** An endpoint rotated once a second from T0 + 1 s, `times` times: its secrets, the first first. */
  async function rotated(times: number) {
    const owner = freshOwner();
    const input = newEndpoint(owner);
    const endpoint = await store.createEndpoint(input, 10, T0);
    const secrets = [input.signingSecret];
    for (let i = 1; i <= times; i++) {
      const next = newSecret();
      const answer = await store.rotateSecret(owner, endpoint.id, next, GRACE_MS, at(i * 1_000));
      expect(answer!.previousSecretExpiresAt!.toISOString()).toBe(at(i * 1_000 + GRACE_MS).toISOString());
      secrets.push(next);
    }
    return { owner, endpoint, secrets };
  }

  it('keeps every secret rotated away signing until its own grace ends, newest first', async () => {
    const { endpoint, secrets } = await rotated(3);
    const [s0, s1, s2, s3] = secrets;
    expect(await store.signingSecrets(endpoint.id, at(3_000))).toEqual([s3, s2, s1, s0]);
    expect(await store.signingSecrets(endpoint.id, at(60_999))).toEqual([s3, s2, s1, s0]);
    expect(await store.signingSecrets(endpoint.id, at(61_000))).toEqual([s3, s2, s1]);
    expect(await store.signingSecrets(endpoint.id, at(62_000))).toEqual([s3, s2]);
    expect(await store.signingSecrets(endpoint.id, at(63_000))).toEqual([s3]);
    // What the watcher hands the sender, too.
    const watched = (await store.watchedEndpoints(at(3_500))).find((e) => e.id === endpoint.id);
    expect(watched!.signingSecrets).toEqual([s3, s2, s1, s0]);
  });

  it('keeps the three newest at most: a fourth rotation within the grace ends the oldest at once', async () => {
    const { owner, endpoint, secrets } = await rotated(4);
    const [, s1, s2, s3, s4] = secrets;
    expect(await store.signingSecrets(endpoint.id, at(4_000))).toEqual([s4, s3, s2, s1]);
    // Past the grace of s1 (62 s), a fifth rotation keeps those whose grace lasts: s2 (until 63 s), s3, s4.
    const s5 = newSecret();
    await store.rotateSecret(owner, endpoint.id, s5, GRACE_MS, at(62_500));
    expect(await store.signingSecrets(endpoint.id, at(62_500))).toEqual([s5, s4, s3, s2]);
    expect(await store.signingSecrets(endpoint.id, at(63_000))).toEqual([s5, s4, s3]);
  });

  it('signs with a previous secret that only the single column holds (a rotation by an older instance)', async () => {
    const { endpoint, secrets } = await rotated(1);
    const [s0, s1] = secrets;
    await sql`update webhook_endpoints set previous_secrets = '[]'::jsonb where id = ${endpoint.id}`.execute(
      backend.db,
    );
    expect(await store.signingSecrets(endpoint.id, at(2_000))).toEqual([s1, s0]);
    expect(await store.signingSecrets(endpoint.id, at(61_000))).toEqual([s1]);
  });

  it("carries an endpoint's previous secret into the list when the migration runs", async () => {
    const { endpoint, secrets } = await rotated(1);
    const [s0, s1] = secrets;
    // The database as it was before the migration (and the ones after it): no list, the previous
    // secret in the single column.
    await sql`alter table webhook_endpoints drop column previous_secrets`.execute(backend.db);
    await sql`alter table webhook_deliveries drop column attempt_started_at, drop column interrupted_attempts, drop column series_start`.execute(
      backend.db,
    );
    await sql`alter table webhook_attempts drop column interrupted`.execute(backend.db);
    await sql`drop table download_grants`.execute(backend.db);
    await sql`drop index webhook_deliveries_pending_age`.execute(backend.db);
    await sql`drop table creation_keys`.execute(backend.db);
    await sql`delete from gateway_migrations where name >= '2026-12-08-previous-secrets'`.execute(backend.db);
    expect(await migrateToLatest(backend.db)).toEqual({
      applied: [
        '2026-12-08-previous-secrets',
        '2026-12-09-interrupted-attempts',
        '2026-12-10-download-grants',
        '2026-12-11-attempt-series',
        '2026-12-12-pending-age',
        '2026-12-13-creation-keys',
      ],
      newer: [],
    });
    // The single column no longer counts: what signs now comes from the list alone.
    await sql`update webhook_endpoints set sealed_previous_secret = null where id = ${endpoint.id}`.execute(backend.db);
    expect(await store.signingSecrets(endpoint.id, at(2_000))).toEqual([s1, s0]);
    expect(await store.signingSecrets(endpoint.id, at(61_000))).toEqual([s1]);
  });

  it('runs on a database a newer version migrated (a rolling upgrade, a rollback), and says so', async () => {
    // Regression: Kysely refused it ("previously executed migration … is missing") and the gateway exited.
    const { endpoint, secrets } = await rotated(1);
    const newer = '2099-01-01-a-newer-version';
    await sql`insert into gateway_migrations (name, timestamp) values (${newer}, ${new Date().toISOString()})`.execute(
      backend.db,
    );
    try {
      expect(await migrateToLatest(backend.db)).toEqual({ applied: [], newer: [newer] });
      expect(await store.signingSecrets(endpoint.id, at(2_000))).toEqual([secrets[1], secrets[0]]);
      // Newer and missing one of this version's own: not a newer schema, still refused.
      await sql`delete from gateway_migrations where name = '2026-12-09-interrupted-attempts'`.execute(backend.db);
      await expect(migrateToLatest(backend.db)).rejects.toThrow(/is missing/);
    } finally {
      await sql`delete from gateway_migrations where name = ${newer}`.execute(backend.db);
      await migrateToLatest(backend.db).catch(() => undefined);
    }
  });
});
