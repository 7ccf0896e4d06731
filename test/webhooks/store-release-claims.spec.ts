/**
 * Leases given back unattempted (`releaseClaims`, what a worker does with a claim that came back
 * after it stopped claiming at shutdown), on PostgreSQL and on PGlite: the delivery is due again at
 * once for another instance, which finds no interrupted attempt (nothing was sent) and counts none;
 * a lease lost meanwhile is left alone (fenced, as outcomes are).
 */
import { expect, it } from 'vitest';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { T0, at, countRows, describeOnBackends, freshOwner, newEndpoint, seenJob } from './store-backends.js';

describeOnBackends('leases given back unattempted', (suite) => {
  const backend = suite.backend;
  const one = suite.store();
  const two = suite.store();

  async function dueDelivery() {
    const endpoint = await one.createEndpoint(newEndpoint(freshOwner(), { events: ['JOB_CREATED'] }), 10, T0);
    const [delivery] = await one.recordJob(endpoint, seenJob('job-1', 'queued'), at(1));
    return { endpoint, delivery: delivery! };
  }

  const claimFor = async (store: WebhookStore, instance: string, endpointId: string, now: Date) =>
    (await store.claimDue(instance, 1_000, 60_000, now)).filter((claim) => claim.endpointId === endpointId);

  it('makes the delivery due again at once, for any instance, with no attempt counted', async () => {
    const { endpoint, delivery } = await dueDelivery();
    const [claim] = await claimFor(one, 'stopping', endpoint.id, at(2));
    expect(claim?.id).toBe(delivery.id);
    // Leased: the other instance cannot take it.
    expect(await claimFor(two, 'survivor', endpoint.id, at(3))).toEqual([]);

    expect(await one.releaseClaims([claim!])).toBe(1);

    const [again] = await claimFor(two, 'survivor', endpoint.id, at(3));
    expect(again).toMatchObject({ id: delivery.id, attemptCount: 0, interruptedAttempts: 0, interrupted: false });
    expect(await countRows(backend.db, 'webhook_attempts', 'delivery_id', delivery.id)).toBe(0);
    expect(await two.finishAttempt(again!, { kind: 'delivered', responseCode: 200, durationMs: 3 }, at(4))).toBe(true);
    expect((await two.attempts(endpoint, delivery.id)).map((a) => [a.number, a.outcome])).toEqual([[1, 'delivered']]);
  });

  it('leaves a lease lost meanwhile alone', async () => {
    const { endpoint } = await dueDelivery();
    const [stale] = await claimFor(one, 'stopping', endpoint.id, at(2));
    // Its lease expired and another instance took it over.
    const [current] = await claimFor(two, 'survivor', endpoint.id, at(2 + 60_001));
    expect(current?.id).toBe(stale!.id);

    expect(await one.releaseClaims([stale!])).toBe(0);
    expect(await one.releaseClaims([])).toBe(0);
    // Still the survivor's: its outcome is recorded.
    expect(await two.finishAttempt(current!, { kind: 'delivered', responseCode: 200, durationMs: 3 }, at(60_010))).toBe(
      true,
    );
  });
});
