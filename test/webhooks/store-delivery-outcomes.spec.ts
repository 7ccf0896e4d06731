/**
 * What the outcome of a delivery's attempt does, on PostgreSQL and on PGlite, with two store instances
 * on one database as two gateway instances (two pools on PostgreSQL): a failed attempt is retried at
 * its retryAt, and with no retry left the delivery fails and its endpoint is FAILING until the next
 * success; 410 Gone disables the endpoint; an endpoint switched off is not claimed; redelivery, under
 * the same id; paging newest first; every owner-facing read scoped to its owner. How deliveries are
 * recorded and claimed: store-deliveries.spec.ts.
 */
import type { GraphQLError } from 'graphql';
import { expect, it } from 'vitest';
import type { StoredEndpoint, WebhookOwner } from '../../src/webhooks/webhook-store.js';
import { at, claimAll, describeOnBackends, endpointWithBaseline, freshOwner, seenJob } from './store-backends.js';

describeOnBackends('webhook store deliveries', (suite) => {
  const one = suite.store();
  const two = suite.store();
  const endpointOf = (owner?: WebhookOwner, events?: StoredEndpoint['events']) =>
    endpointWithBaseline(one, owner, events);

  it('retries a failed attempt at retryAt; with no retry left the delivery fails and the endpoint is FAILING', async () => {
    const owner = freshOwner();
    const endpoint = await endpointOf(owner);
    const [delivery] = await one.recordJob(endpoint, seenJob('job-retry', 'queued'), at(0));
    const [claim] = await claimAll(one, delivery!.endpointId, at(0));
    const failed = { kind: 'failed', responseCode: 500, error: 'HTTP 500: upstream down', durationMs: 30 } as const;
    expect(await one.finishAttempt(claim!, { ...failed, retryAt: at(5_000) }, at(30))).toBe(true);
    const [pending] = (await one.listDeliveries(owner, endpoint.id, 10, null)).deliveries;
    expect(pending).toMatchObject({ state: 'pending', attemptCount: 1, lastResponseCode: 500 });
    expect(pending!.nextAttemptAt!.toISOString()).toBe(at(5_000).toISOString());
    expect(await claimAll(two, endpoint.id, at(4_999))).toEqual([]);

    const [again] = await claimAll(two, endpoint.id, at(5_000));
    expect(
      await two.finishAttempt(again!, { ...failed, responseCode: null, error: 'timeout', retryAt: null }, at(6_000)),
    ).toBe(true);
    const [dead] = (await one.listDeliveries(owner, endpoint.id, 10, null)).deliveries;
    expect(dead).toMatchObject({ state: 'failed', attemptCount: 2, nextAttemptAt: null, lastResponseCode: null });
    expect(await one.getEndpoint(owner, endpoint.id)).toMatchObject({
      state: 'failing',
      stateReason: expect.stringMatching(/failed after 2 attempts \(no response\)/),
    });
    expect((await one.attempts(owner, dead!.id)).map((a) => [a.number, a.responseCode, a.error])).toEqual([
      [1, 500, 'HTTP 500: upstream down'],
      [2, null, 'timeout'],
    ]);

    // FAILING still delivers; the next success makes the endpoint ACTIVE again.
    expect((await one.watchedEndpoints(at(7_000))).map((e) => e.id)).toContain(endpoint.id);
    await one.recordJob(endpoint, seenJob('job-retry', 'running'), at(7_000));
    const claims = await claimAll(one, endpoint.id, at(7_000));
    expect(claims).toHaveLength(2);
    await one.finishAttempt(claims[0]!, { kind: 'delivered', responseCode: 200, durationMs: 5 }, at(7_005));
    expect(await one.getEndpoint(owner, endpoint.id)).toMatchObject({ state: 'active', stateReason: null });
  });

  it('disables the endpoint on 410 Gone and claims nothing of it until it is enabled again', async () => {
    const owner = freshOwner();
    const endpoint = await endpointOf(owner, ['JOB_CREATED', 'JOB_RUNNING']);
    await one.recordJob(endpoint, seenJob('job-gone', 'running'), at(0)); // JOB_CREATED, JOB_RUNNING
    const claimed = await claimAll(one, endpoint.id, at(0));
    expect(claimed).toHaveLength(2);
    // Either may come first (both due at once): the one answered 410, and the other, left pending.
    const [firstClaim, other] = claimed;
    expect(await one.finishAttempt(firstClaim!, { kind: 'gone', durationMs: 8 }, at(10))).toBe(true);
    expect(await one.getEndpoint(owner, endpoint.id)).toMatchObject({
      state: 'disabled',
      stateReason: expect.stringMatching(/410 Gone/),
    });
    const [gone] = (await one.listDeliveries(owner, endpoint.id, 10, null)).deliveries.filter(
      (d) => d.id === firstClaim!.id,
    );
    expect(gone).toMatchObject({ state: 'failed', lastResponseCode: 410, attemptCount: 1 });
    expect((await one.watchedEndpoints(at(20))).map((e) => e.id)).not.toContain(endpoint.id);
    // The other delivery, pending, waits: not claimed even after every lease has expired.
    expect(await claimAll(two, endpoint.id, at(120_000))).toEqual([]);

    await one.updateEndpoint(owner, endpoint.id, { enabled: true }, at(130_000));
    const resumed = await claimAll(two, endpoint.id, at(130_000));
    expect(resumed.map((c) => c.id)).toEqual([other!.id]);
  });

  it('does not claim the deliveries of an endpoint its owner switched off', async () => {
    const owner = freshOwner();
    const endpoint = await endpointOf(owner);
    await one.recordJob(endpoint, seenJob('job-off', 'queued'), at(0));
    await one.updateEndpoint(owner, endpoint.id, { enabled: false }, at(1));
    expect(await claimAll(one, endpoint.id, at(2))).toEqual([]);
    await one.updateEndpoint(owner, endpoint.id, { enabled: true }, at(3));
    expect(await claimAll(one, endpoint.id, at(4))).toHaveLength(1);
  });

  it('redelivers a delivery under the same id, to its owner only', async () => {
    const owner = freshOwner();
    const endpoint = await endpointOf(owner);
    const [delivery] = await one.recordJob(endpoint, seenJob('job-again', 'queued'), at(0));
    const [claim] = await claimAll(one, endpoint.id, at(0));
    await one.finishAttempt(claim!, { kind: 'delivered', responseCode: 200, durationMs: 3 }, at(3));
    expect(await claimAll(one, endpoint.id, at(10))).toEqual([]);

    expect(await two.redeliver(freshOwner(), delivery!.id, at(20))).toBeNull();
    expect(await two.redeliver({ provider: 'together', ownerKey: owner.ownerKey }, delivery!.id, at(20))).toBeNull();
    const redelivered = await two.redeliver(owner, delivery!.id, at(20));
    expect(redelivered).toMatchObject({ id: delivery!.id, state: 'pending', attemptCount: 1 });
    expect(redelivered!.nextAttemptAt!.toISOString()).toBe(at(20).toISOString());
    const [again] = await claimAll(two, endpoint.id, at(20));
    expect(again?.id).toBe(delivery!.id);
    await two.finishAttempt(again!, { kind: 'delivered', responseCode: 202, durationMs: 4 }, at(24));
    expect((await one.attempts(owner, delivery!.id)).map((a) => [a.number, a.responseCode])).toEqual([
      [1, 200],
      [2, 202],
    ]);
    expect(await one.redeliver(owner, 'msg_no_such_delivery', at(30))).toBeNull();
  });

  it("pages an endpoint's deliveries newest first, to its owner only", async () => {
    const owner = freshOwner();
    const endpoint = await endpointOf(owner);
    for (let i = 0; i < 5; i++) await one.recordJob(endpoint, seenJob(`job-page-${i}`, 'queued'), at(i));
    const jobsOf = (page: { deliveries: { jobId: string }[] }) => page.deliveries.map((d) => d.jobId);

    const first = await two.listDeliveries(owner, endpoint.id, 2, null);
    expect(jobsOf(first)).toEqual(['job-page-4', 'job-page-3']);
    expect(first.endCursor).toEqual(expect.any(String));
    // Each delivery's own cursor; the page's end is its last delivery's.
    expect(first.cursors).toHaveLength(2);
    expect(first.cursors[1]).toBe(first.endCursor);
    expect(jobsOf(await two.listDeliveries(owner, endpoint.id, 10, first.cursors[0]!))[0]).toBe('job-page-3');
    const second = await two.listDeliveries(owner, endpoint.id, 2, first.endCursor);
    expect(jobsOf(second)).toEqual(['job-page-2', 'job-page-1']);
    // New deliveries at the top do not shift the pages after a cursor.
    await one.recordJob(endpoint, seenJob('job-page-5', 'queued'), at(9));
    const third = await two.listDeliveries(owner, endpoint.id, 2, second.endCursor);
    expect(jobsOf(third)).toEqual(['job-page-0']);
    expect(third.endCursor).toBeNull();
    expect(jobsOf(await two.listDeliveries(owner, endpoint.id, 10, null))).toHaveLength(6);

    expect(await two.listDeliveries(freshOwner(), endpoint.id, 10, null)).toEqual({
      deliveries: [],
      cursors: [],
      endCursor: null,
    });
    const [claim] = await claimAll(one, endpoint.id, at(20));
    await one.finishAttempt(claim!, { kind: 'delivered', responseCode: 200, durationMs: 1 }, at(21));
    expect(await two.attempts(owner, claim!.id)).toHaveLength(1);
    expect(await two.attempts(freshOwner(), claim!.id)).toEqual([]);

    const refusal = (await two
      .listDeliveries(owner, endpoint.id, 2, 'not-a-cursor')
      .catch((e: unknown) => e)) as GraphQLError;
    expect(refusal.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});
