/**
 * The webhook store's endpoints, on PostgreSQL and on PGlite: create, read, update and delete, each
 * scoped to its owner (another owner can neither see nor change them); the per-owner limit, also
 * under concurrent creations; secrets sealed at rest and refused when altered or moved; rotation with
 * a grace period; and the cascade that deletes an endpoint's statuses, deliveries and attempts.
 */
import { randomBytes } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { SealError } from '../../src/webhooks/seal.js';
import { T0, at, describeOnBackends, freshOwner, newEndpoint, seenJob } from './store-backends.js';

describeOnBackends('webhook store endpoints', (suite) => {
  const backend = suite.backend;
  const store = suite.store();

  it('creates, reads, lists, updates and deletes an endpoint', async () => {
    const owner = freshOwner();
    const created = await store.createEndpoint(newEndpoint(owner, { description: 'first' }), 10, T0);
    expect(created).toMatchObject({
      ...owner,
      url: 'https://receiver.example/hook',
      description: 'first',
      enabled: true,
      state: 'active',
      stateReason: null,
      previousSecretExpiresAt: null,
    });
    expect(created.createdAt.toISOString()).toBe(T0.toISOString());
    expect(await store.getEndpoint(owner, created.id)).toEqual(created);

    const second = await store.createEndpoint(newEndpoint(owner, { events: ['JOB_COMPLETED'] }), 10, at(1_000));
    expect((await store.listEndpoints(owner)).map((e) => e.id)).toEqual([created.id, second.id]);

    const updated = await store.updateEndpoint(
      owner,
      created.id,
      { events: ['JOB_FAILED', 'JOB_COMPLETED'], enabled: false, description: null },
      at(2_000),
    );
    expect(updated).toMatchObject({ events: ['JOB_FAILED', 'JOB_COMPLETED'], enabled: false, description: null });
    expect(updated!.updatedAt.toISOString()).toBe(at(2_000).toISOString());
    expect(await store.getEndpoint(owner, created.id)).toEqual(updated);

    expect(await store.deleteEndpoint(owner, created.id)).toBe(true);
    expect(await store.deleteEndpoint(owner, created.id)).toBe(false);
    expect(await store.getEndpoint(owner, created.id)).toBeNull();
    expect((await store.listEndpoints(owner)).map((e) => e.id)).toEqual([second.id]);
  });

  it('keeps each owner to its own endpoints: another owner can neither see nor change them', async () => {
    const a = freshOwner();
    const b = freshOwner();
    const sameKeyOtherProvider = { provider: 'together' as const, ownerKey: a.ownerKey };
    const endpoint = await store.createEndpoint(newEndpoint(a), 10, T0);
    for (const other of [b, sameKeyOtherProvider]) {
      expect(await store.listEndpoints(other)).toEqual([]);
      expect(await store.getEndpoint(other, endpoint.id)).toBeNull();
      expect(await store.updateEndpoint(other, endpoint.id, { enabled: false }, at(1))).toBeNull();
      expect(await store.rotateSecret(other, endpoint.id, 'whsec_bbbb', 60_000, at(1))).toBeNull();
      expect(await store.deleteEndpoint(other, endpoint.id)).toBe(false);
    }
    // Untouched by all of that.
    expect(await store.getEndpoint(a, endpoint.id)).toEqual(endpoint);
    expect(await store.signingSecrets(endpoint.id, at(2))).toHaveLength(1);
  });

  it('refuses an endpoint past the owner limit, coded CONFLICT and naming WEBHOOK_MAX_ENDPOINTS', async () => {
    const owner = freshOwner();
    await store.createEndpoint(newEndpoint(owner), 2, T0);
    await store.createEndpoint(newEndpoint(owner), 2, T0);
    const refusal = await store.createEndpoint(newEndpoint(owner), 2, T0).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(GraphQLError);
    expect((refusal as GraphQLError).extensions).toMatchObject({ code: 'CONFLICT', limit: 2 });
    expect((refusal as GraphQLError).message).toMatch(/already has 2 webhook endpoints.*WEBHOOK_MAX_ENDPOINTS/);
    expect(await store.listEndpoints(owner)).toHaveLength(2);
    // Another owner has its own count.
    await expect(store.createEndpoint(newEndpoint(freshOwner()), 2, T0)).resolves.toMatchObject({ state: 'active' });
  });

  it('holds the limit when two instances create endpoints for one owner at once', async () => {
    const owner = freshOwner();
    const other = await backend.store();
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).createEndpoint(newEndpoint(owner), 3, T0)),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
      for (const o of outcomes.filter((o) => o.status === 'rejected'))
        expect((o as PromiseRejectedResult).reason.extensions?.code).toBe('CONFLICT');
      expect(await store.listEndpoints(owner)).toHaveLength(3);
    } finally {
      await other.close();
    }
  });

  it('stores the signing secret and the credentials sealed, and opens them for the watcher', async () => {
    const owner = freshOwner();
    const input = newEndpoint(owner);
    const endpoint = await store.createEndpoint(input, 10, T0);
    const raw = await backend.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpoint.id)
      .executeTakeFirstOrThrow();
    const text = JSON.stringify(raw);
    expect(text).not.toContain(input.signingSecret);
    expect(text).not.toContain(input.credentials.token);
    expect(raw.sealed_secret).toMatch(/^v1\./);
    expect(raw.sealed_credentials).toMatch(/^v1\./);

    const watched = (await store.watchedEndpoints(T0)).find((e) => e.id === endpoint.id);
    expect(watched).toMatchObject({ signingSecrets: [input.signingSecret], credentials: input.credentials });
    expect(await store.signingSecrets(endpoint.id, T0)).toEqual([input.signingSecret]);
  });

  it('refuses a sealed value that was altered, or moved to another endpoint, without echoing it', async () => {
    const owner = freshOwner();
    const first = await store.createEndpoint(newEndpoint(owner), 10, T0);
    const second = await store.createEndpoint(newEndpoint(owner), 10, T0);
    const row = await backend.db
      .selectFrom('webhook_endpoints')
      .select(['sealed_secret'])
      .where('id', '=', first.id)
      .executeTakeFirstOrThrow();
    // One byte of the ciphertext flipped.
    const bytes = Buffer.from(row.sealed_secret.slice(3), 'base64url');
    bytes[14] = bytes[14]! ^ 0x01;
    const altered = `v1.${bytes.toString('base64url')}`;
    await backend.db
      .updateTable('webhook_endpoints')
      .set({ sealed_secret: altered })
      .where('id', '=', first.id)
      .execute();
    const error = await store.signingSecrets(first.id, T0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SealError);
    expect((error as Error).message).toContain(first.id);
    expect((error as Error).message).toMatch(/does not open/);
    expect((error as Error).message).not.toContain(altered);

    // The second endpoint's intact sealed secret, copied onto the first: another context, refused.
    await backend.db
      .updateTable('webhook_endpoints')
      .set((eb) => ({
        sealed_secret: eb.selectFrom('webhook_endpoints as o').select('o.sealed_secret').where('o.id', '=', second.id),
      }))
      .where('id', '=', first.id)
      .execute();
    await expect(store.signingSecrets(first.id, T0)).rejects.toBeInstanceOf(SealError);
    await expect(store.signingSecrets(second.id, T0)).resolves.toHaveLength(1);
    await store.deleteEndpoint(owner, first.id);
  });

  it('signs with the previous secret too until the grace period ends', async () => {
    const owner = freshOwner();
    const input = newEndpoint(owner);
    const endpoint = await store.createEndpoint(input, 10, T0);
    const next = `whsec_${randomBytes(24).toString('base64')}`;
    const rotated = await store.rotateSecret(owner, endpoint.id, next, 60_000, at(1_000));
    expect(rotated!.previousSecretExpiresAt!.toISOString()).toBe(at(61_000).toISOString());
    expect(await store.signingSecrets(endpoint.id, at(1_000))).toEqual([next, input.signingSecret]);
    expect(await store.signingSecrets(endpoint.id, at(60_999))).toEqual([next, input.signingSecret]);
    expect(await store.signingSecrets(endpoint.id, at(61_000))).toEqual([next]);
    const watched = (await store.watchedEndpoints(at(2_000))).find((e) => e.id === endpoint.id);
    expect(watched!.signingSecrets).toEqual([next, input.signingSecret]);
    expect(await store.signingSecrets('no-such-endpoint', T0)).toBeNull();
  });

  it('watches enabled endpoints that are not paused; an update with credentials resumes a paused one', async () => {
    const owner = freshOwner();
    const endpoint = await store.createEndpoint(newEndpoint(owner), 10, T0);
    const watchedIds = async () => (await store.watchedEndpoints(T0)).map((e) => e.id);
    expect(await watchedIds()).toContain(endpoint.id);

    await store.pauseEndpoint(endpoint.id, 'Nscale refused the stored credentials (UNAUTHENTICATED).', at(1));
    expect(await store.getEndpoint(owner, endpoint.id)).toMatchObject({
      state: 'paused',
      stateReason: 'Nscale refused the stored credentials (UNAUTHENTICATED).',
    });
    expect(await watchedIds()).not.toContain(endpoint.id);

    const credentials = { token: `tok_${randomBytes(8).toString('hex')}`, organizationId: owner.ownerKey };
    const resumed = await store.updateEndpoint(owner, endpoint.id, { credentials }, at(2));
    expect(resumed).toMatchObject({ state: 'active', stateReason: null });
    expect((await store.watchedEndpoints(T0)).find((e) => e.id === endpoint.id)?.credentials).toEqual(credentials);

    await store.updateEndpoint(owner, endpoint.id, { enabled: false }, at(3));
    expect(await watchedIds()).not.toContain(endpoint.id);
    await store.updateEndpoint(owner, endpoint.id, { enabled: true }, at(4));
    expect(await watchedIds()).toContain(endpoint.id);
  });

  it("deletes an endpoint's job statuses, deliveries and attempts with it", async () => {
    const owner = freshOwner();
    const endpoint = await store.createEndpoint(
      newEndpoint(owner, { baseline: [{ jobId: 'job-old', status: 'completed' }] }),
      10,
      T0,
    );
    await store.recordJob(endpoint, seenJob('job-new', 'queued'), at(1));
    const claims = (await store.claimDue('instance-a', 100, 60_000, at(2))).filter((c) => c.endpointId === endpoint.id);
    expect(claims.map((c) => c.type)).toEqual(['JOB_CREATED']);
    expect(await store.finishAttempt(claims[0]!, { kind: 'delivered', responseCode: 200, durationMs: 12 }, at(3))).toBe(
      true,
    );

    const counts = async () => {
      const { rows } = await sql<{ statuses: number; deliveries: number; attempts: number }>`
          select
            (select count(*)::int from webhook_job_statuses where endpoint_id = ${endpoint.id}) as statuses,
            (select count(*)::int from webhook_deliveries where endpoint_id = ${endpoint.id}) as deliveries,
            (select count(*)::int from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id
              where d.endpoint_id = ${endpoint.id}) as attempts`.execute(backend.db);
      return rows[0]!;
    };
    const before = await counts();
    expect(before.statuses).toBe(2);
    expect(before.deliveries).toBeGreaterThan(0);
    expect(before.attempts).toBeGreaterThan(0);
    expect(await store.deleteEndpoint(owner, endpoint.id)).toBe(true);
    expect(await counts()).toEqual({ statuses: 0, deliveries: 0, attempts: 0 });
  });

  it('without a key, refuses to create an endpoint, naming WEBHOOK_ENCRYPTION_KEY', async () => {
    const keyless = await backend.store({ key: null });
    try {
      const refusal = await keyless.createEndpoint(newEndpoint(freshOwner()), 10, T0).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(GraphQLError);
      expect((refusal as GraphQLError).extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect((refusal as GraphQLError).message).toMatch(/WEBHOOK_ENCRYPTION_KEY/);
    } finally {
      await keyless.close();
    }
  });
});
