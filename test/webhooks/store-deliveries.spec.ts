/**
 * The webhook store's deliveries recorded and claimed, on PostgreSQL and on PGlite, with two store
 * instances on one database as two gateway instances (two pools on PostgreSQL): a job's moves
 * recorded as its endpoint's events, under ids every instance derives, and once when both record a
 * move at once; claims are disjoint; an expired lease lets another instance claim, fences out the
 * first one's outcome and records its attempt as interrupted (spending no retry, dated a lease before
 * the lease expired, kept across a redelivery). What each outcome does: store-delivery-outcomes.spec.ts.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { deliveryId } from '../../src/webhooks/store/delivery-id.js';
import type { ClaimedDelivery, StoredEndpoint, WebhookOwner } from '../../src/webhooks/webhook-store.js';
import {
  at,
  claimAll,
  countRows,
  describeOnBackends,
  endpointWithBaseline,
  freshOwner,
  seenJob,
} from './store-backends.js';

describeOnBackends('webhook store deliveries', (suite) => {
  const backend = suite.backend;
  const one = suite.store();
  const two = suite.store();
  const endpointOf = (owner?: WebhookOwner, events?: StoredEndpoint['events']) =>
    endpointWithBaseline(one, owner, events);
  const rowCount = (endpointId: string) => countRows(backend.db, 'webhook_deliveries', 'endpoint_id', endpointId);

  it("records a job's moves as the endpoint's subscribed events, once each, with deterministic ids", async () => {
    const owner = freshOwner();
    const endpoint = await endpointOf(owner);
    // In the baseline and unchanged: nothing.
    expect(await one.recordJob(endpoint, seenJob('job-base', 'running'), at(1))).toEqual([]);
    // New to the endpoint: created, then its status's own event.
    const created = await one.recordJob(endpoint, seenJob('job-1', 'queued'), at(2));
    expect(created.map((d) => [d.type, d.state, d.attemptCount])).toEqual([['JOB_CREATED', 'pending', 0]]);
    expect(created[0]!.id).toBe(deliveryId(endpoint.id, 'job-1', 'JOB_CREATED', null, 'queued'));
    expect(created[0]!.nextAttemptAt!.toISOString()).toBe(at(2).toISOString());
    expect(JSON.parse(created[0]!.body)).toEqual({
      type: 'JOB_CREATED',
      jobId: 'job-1',
      previous: null,
      status: 'queued',
    });
    expect(await one.recordJob(endpoint, seenJob('job-1', 'queued'), at(3))).toEqual([]);
    const running = await one.recordJob(endpoint, seenJob('job-1', 'running'), at(4));
    expect(running.map((d) => d.type)).toEqual(['JOB_STATUS_CHANGED', 'JOB_RUNNING']);
    expect(running.map((d) => d.id)).toEqual([
      deliveryId(endpoint.id, 'job-1', 'JOB_STATUS_CHANGED', 'queued', 'running'),
      deliveryId(endpoint.id, 'job-1', 'JOB_RUNNING', 'queued', 'running'),
    ]);
    const completed = await one.recordJob(endpoint, seenJob('job-base', 'completed'), at(5));
    expect(completed.map((d) => d.type)).toEqual(['JOB_STATUS_CHANGED', 'JOB_COMPLETED']);

    // An endpoint subscribed to JOB_COMPLETED only gets that, and nothing for the moves before.
    const narrow = await endpointOf(freshOwner(), ['JOB_COMPLETED']);
    expect(await one.recordJob(narrow, seenJob('job-2', 'running'), at(1))).toEqual([]);
    expect((await one.recordJob(narrow, seenJob('job-2', 'completed'), at(2))).map((d) => d.type)).toEqual([
      'JOB_COMPLETED',
    ]);
    expect(await rowCount(narrow.id)).toBe(1);
    // A deleted endpoint records nothing (and does not fail).
    await one.deleteEndpoint(owner, endpoint.id);
    expect(await one.recordJob(endpoint, seenJob('job-1', 'completed'), at(6))).toEqual([]);
  });

  it('inserts the deliveries of a move once when two instances record it at once', async () => {
    const endpoint = await endpointOf();
    // First sight (no status row yet) and then a move, each recorded 8 times across both instances at once.
    for (const [status, expected] of [
      ['queued', ['JOB_CREATED']],
      ['running', ['JOB_STATUS_CHANGED', 'JOB_RUNNING']],
    ] as const) {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? two : one).recordJob(endpoint, seenJob('job-race', status), at(10)),
        ),
      );
      expect(results.flat().map((d) => d.type)).toEqual(expected);
    }
    const { rows } = await sql<{ type: string }>`
        select type from webhook_deliveries where endpoint_id = ${endpoint.id} order by seq`.execute(backend.db);
    expect(rows.map((r) => r.type)).toEqual(['JOB_CREATED', 'JOB_STATUS_CHANGED', 'JOB_RUNNING']);
  });

  it('claims disjoint sets of due deliveries on two instances', async () => {
    const endpoint = await endpointOf();
    for (let i = 0; i < 20; i++) await one.recordJob(endpoint, seenJob(`job-${i}`, 'queued'), at(0));
    // Six claims at once, three per instance, again until nothing is left (a claim skips an endpoint
    // whose deliveries another claim is leasing at that moment: it is the next claim's).
    const rounds: ClaimedDelivery[][] = [];
    for (;;) {
      const round = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? two : one).claimDue(`instance-${i % 2}`, 10, 60_000, at(1))),
      );
      rounds.push(...round);
      if (round.every((claims) => claims.length === 0)) break;
    }
    const all = rounds.flat().map((c) => c.id);
    expect(new Set(all).size).toBe(all.length);
    expect(rounds.flat().filter((c) => c.endpointId === endpoint.id)).toHaveLength(20);
    // Each claim carries what the sender needs, and a lease of its own.
    const claim = rounds.flat().find((c) => c.endpointId === endpoint.id)!;
    expect(claim).toMatchObject({ url: 'https://receiver.example/hook', type: 'JOB_CREATED', state: 'pending' });
    expect(new Set(rounds.flat().map((c) => c.lease)).size).toBe(rounds.flat().length);
    // Nothing is due any more while the leases last.
    expect(await claimAll(two, endpoint.id, at(2))).toEqual([]);
  });

  it('lets another instance claim once a lease expires, and fences out the first instance', async () => {
    const owner = freshOwner();
    const endpoint = await endpointOf(owner);
    await one.recordJob(endpoint, seenJob('job-lease', 'queued'), at(0));
    const [first] = await claimAll(one, endpoint.id, at(1_000), 10_000);
    expect(first).toBeDefined();
    expect(await claimAll(two, endpoint.id, at(10_999))).toEqual([]);
    const [second] = await claimAll(two, endpoint.id, at(11_000), 10_000);
    expect(second?.id).toBe(first!.id);
    expect(second!.lease).not.toBe(first!.lease);

    // The first instance comes back from a long attempt: its outcome is not recorded; the claim that
    // took the delivery over recorded its attempt as interrupted.
    expect(
      await one.finishAttempt(first!, { kind: 'delivered', responseCode: 200, durationMs: 15_000 }, at(16_000)),
    ).toBe(false);
    expect((await one.attempts(owner, first!.id)).map((a) => a.outcome)).toEqual(['interrupted']);
    expect(await two.finishAttempt(second!, { kind: 'delivered', responseCode: 204, durationMs: 40 }, at(11_040))).toBe(
      true,
    );
    // A lease is good for one finish.
    expect(await two.finishAttempt(second!, { kind: 'delivered', responseCode: 204, durationMs: 40 }, at(11_050))).toBe(
      false,
    );
    const attempts = await two.attempts(owner, first!.id);
    expect(attempts).toEqual([
      {
        number: 1,
        outcome: 'interrupted',
        startedAt: at(1_000),
        durationMs: 10_000,
        responseCode: null,
        error: expect.stringMatching(/^no outcome: the gateway instance sending it stopped/),
      },
      { number: 2, outcome: 'delivered', startedAt: at(11_000), durationMs: 40, responseCode: 204, error: null },
    ]);
  });

  it('records an attempt whose instance stopped as interrupted when the delivery is claimed again, spending no retry', async () => {
    const owner = freshOwner();
    const endpoint = await endpointOf(owner);
    const [delivery] = await one.recordJob(endpoint, seenJob('job-killed', 'queued'), at(0));
    const failed = {
      kind: 'failed',
      responseCode: 503,
      error: 'HTTP 503',
      durationMs: 20,
      retryAt: at(500),
    } as const;
    const [claim] = await claimAll(one, endpoint.id, at(0), 10_000);
    await one.finishAttempt(claim!, failed, at(20));
    expect(claim).toMatchObject({ attemptCount: 0, interruptedAttempts: 0 });

    // Claimed at 500, never finished (kill -9): nothing shows while the lease lasts.
    const [killed] = await claimAll(one, endpoint.id, at(500), 10_000);
    expect(killed).toMatchObject({ attemptCount: 1, interruptedAttempts: 0, interrupted: false });
    expect(await claimAll(two, endpoint.id, at(10_499))).toEqual([]);
    expect(await two.attempts(owner, delivery!.id)).toHaveLength(1);

    const [taken] = await claimAll(two, endpoint.id, at(10_500), 10_000);
    // The retry schedule counts the attempts with an outcome: this is its second, not its third.
    expect(taken).toMatchObject({
      id: delivery!.id,
      attemptCount: 2,
      interruptedAttempts: 1,
      interrupted: true,
      lastResponseCode: null,
    });
    expect(await two.finishAttempt(taken!, { kind: 'delivered', responseCode: 200, durationMs: 7 }, at(10_507))).toBe(
      true,
    );
    const [shown] = (await one.listDeliveries(owner, endpoint.id, 10, null)).deliveries;
    expect(shown).toMatchObject({ state: 'succeeded', attemptCount: 3, lastResponseCode: 200 });
    expect(
      (await one.attempts(owner, delivery!.id)).map((a) => [
        a.number,
        a.outcome,
        a.startedAt.toISOString(),
        a.durationMs,
      ]),
    ).toEqual([
      [1, 'failed', at(0).toISOString(), 20],
      [2, 'interrupted', at(500).toISOString(), 10_000],
      [3, 'delivered', at(10_500).toISOString(), 7],
    ]);
  });

  // An instance from before 2026-12-09-interrupted-attempts writes no start when it leases, and clears
  // none when it records an outcome: the column is empty, or holds an earlier attempt's start (which
  // dated the interrupted attempt before the one it followed, and made it last longer than a lease).
  it.each([
    ['no start written', null],
    ["an earlier attempt's start left behind", at(-50_000)],
  ])(
    'dates the interrupted attempt of an instance older than its start column a lease before the lease expired: %s',
    async (_, left) => {
      const owner = freshOwner();
      const endpoint = await endpointOf(owner);
      const [delivery] = await one.recordJob(endpoint, seenJob('job-older', 'queued'), at(0));
      await claimAll(one, endpoint.id, at(1_000), 10_000);
      await sql`update webhook_deliveries set attempt_started_at = ${left} where id = ${delivery!.id}`.execute(
        backend.db,
      );
      await claimAll(two, endpoint.id, at(30_000), 20_000);
      expect((await one.attempts(owner, delivery!.id)).map((a) => [a.outcome, a.startedAt.toISOString()])).toEqual([
        ['interrupted', at(-9_000).toISOString()],
      ]);
    },
  );

  it('keeps the trace of an interrupted attempt across a redelivery; an outcome recorded late is no interruption', async () => {
    const owner = freshOwner();
    const endpoint = await endpointOf(owner);
    const [delivery] = await one.recordJob(endpoint, seenJob('job-redelivered', 'queued'), at(0));
    await claimAll(one, endpoint.id, at(0), 10_000);
    // The lease expired with no outcome; the owner redelivers before any instance claims it again.
    expect(await two.redeliver(owner, delivery!.id, at(20_000))).toMatchObject({ state: 'pending', attemptCount: 0 });
    const [again] = await claimAll(two, endpoint.id, at(20_000), 10_000);
    expect(again).toMatchObject({ attemptCount: 1, interruptedAttempts: 1 });
    // An outcome recorded after the lease expired, before another claim: that attempt was not interrupted.
    const failed = {
      kind: 'failed',
      responseCode: 500,
      error: 'HTTP 500',
      durationMs: 10_500,
      retryAt: at(40_000),
    } as const;
    expect(await two.finishAttempt(again!, failed, at(40_500))).toBe(true);
    const [last] = await claimAll(one, endpoint.id, at(40_500), 10_000);
    expect(last).toMatchObject({ attemptCount: 2, interruptedAttempts: 1, lastResponseCode: 500 });
    expect((await one.attempts(owner, delivery!.id)).map((a) => [a.number, a.outcome])).toEqual([
      [1, 'interrupted'],
      [2, 'failed'],
    ]);
  });
});
