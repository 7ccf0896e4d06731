/**
 * A redelivery starts a new series of attempts: the retry schedule and its give-up count only the
 * failed attempts since the redelivery, not the delivery's earlier ones (failed or delivered). The
 * worker, with the real `retryAt` and schedule, over the store on each backend, one attempt at a
 * time at a time the test sets. Before the fix, the schedule was indexed by the delivery's total
 * attempt count: a redelivery after 2 failed and 1 delivered attempts that failed was next tried at
 * the schedule's 4th step (10 min) instead of its first (5 s), and one after a spent schedule failed
 * at once, FAILED with no retry.
 */
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { createDeliveryWorker, type SendOutcome } from '../../src/webhooks/delivery-worker.js';
import { retryAt } from '../../src/webhooks/outbound/retry-at.js';
import type { WebhookOwner, WebhookStore } from '../../src/webhooks/webhook-store.js';
import { eventually } from '../harness/stack.js';
import { at, describeOnBackends, endpointWithBaseline, freshOwner, seenJob } from './store-backends.js';

const SCHEDULE = [5_000, 30_000, 120_000, 600_000, 1_800_000];
const FAILED: SendOutcome = { kind: 'failed', responseCode: 503, error: 'HTTP 503', durationMs: 2 };
const DELIVERED: SendOutcome = { kind: 'delivered', responseCode: 200, durationMs: 2 };

/** One attempt by a worker at `nowMs` (after T0), its outcome `result`: the ids of the deliveries it sent. */
async function attemptAt(store: WebhookStore, nowMs: number, result: SendOutcome, schedule = SCHEDULE) {
  const sent: string[] = [];
  const told: string[] = [];
  const worker = createDeliveryWorker({
    store,
    send: async (claim) => (sent.push(claim.id), result),
    retryAt: (attempt, when) => retryAt(attempt, schedule, when),
    instanceId: 'instance-series',
    scanMs: 60_000,
    leaseMs: 60_000,
    concurrency: 1,
    caps: { perEndpoint: 1, perOwner: 1 },
    now: () => at(nowMs).getTime(),
    logger: pino({ level: 'silent' }),
    onOutcome: (outcome) => told.push(outcome),
  });
  await eventually(() => (told.length === 1 ? true : undefined), 10_000, 'the outcome recorded');
  await worker.close();
  return sent;
}

async function deliveryOf(store: WebhookStore, owner: WebhookOwner, endpointId: string) {
  const [delivery] = (await store.listDeliveries(owner, endpointId, 10, null)).deliveries;
  return delivery!;
}

describeOnBackends('a redelivery starts a new series of attempts', (suite) => {
  const store = suite.store();

  it('after earlier failed and delivered attempts, a failed redelivery is retried at the schedule’s first step', async () => {
    const owner = freshOwner();
    const endpoint = await endpointWithBaseline(store, owner);
    const [recorded] = await store.recordJob(endpoint, seenJob('job-series', 'queued'), at(0));
    const id = recorded!.id;
    // Series 1: failed, failed, delivered.
    expect(await attemptAt(store, 0, FAILED)).toEqual([id]);
    expect(await attemptAt(store, 10_000, FAILED)).toEqual([id]);
    expect(await attemptAt(store, 100_000, DELIVERED)).toEqual([id]);
    expect(await deliveryOf(store, owner, endpoint.id)).toMatchObject({ state: 'succeeded', attemptCount: 3 });

    // Redelivered while the receiver is down: it fails once.
    const T = 1_000_000;
    await store.redeliver(owner, id, at(T));
    expect(await attemptAt(store, T, FAILED)).toEqual([id]);
    const retried = await deliveryOf(store, owner, endpoint.id);
    expect(retried).toMatchObject({ state: 'pending', attemptCount: 4 });
    // The schedule's first step (5 s ± 20 %), not its fourth.
    const delay = retried.nextAttemptAt!.getTime() - at(T).getTime();
    expect(delay).toBeGreaterThanOrEqual(4_000);
    expect(delay).toBeLessThanOrEqual(6_000);
    // Then its second step, and it is delivered (nothing left pending for the next test).
    expect(await attemptAt(store, T + 6_000, FAILED)).toEqual([id]);
    const second = (await deliveryOf(store, owner, endpoint.id)).nextAttemptAt!.getTime() - at(T + 6_000).getTime();
    expect(second).toBeGreaterThanOrEqual(24_000);
    expect(second).toBeLessThanOrEqual(36_000);
    expect(await attemptAt(store, T + 60_000, DELIVERED)).toEqual([id]);
    expect(await store.getEndpoint(owner, endpoint.id)).toMatchObject({ state: 'active' });
  });

  it('a delivery that failed with its schedule spent, redelivered, gets the whole schedule again', async () => {
    const schedule = [5_000, 30_000];
    const owner = freshOwner();
    const endpoint = await endpointWithBaseline(store, owner);
    const [recorded] = await store.recordJob(endpoint, seenJob('job-spent', 'queued'), at(0));
    const id = recorded!.id;
    for (const nowMs of [0, 10_000, 100_000]) expect(await attemptAt(store, nowMs, FAILED, schedule)).toEqual([id]);
    expect(await deliveryOf(store, owner, endpoint.id)).toMatchObject({ state: 'failed', attemptCount: 3 });
    expect(await store.getEndpoint(owner, endpoint.id)).toMatchObject({
      state: 'failing',
      stateReason: expect.stringMatching(/failed after 3 attempts/),
    });

    const T = 1_000_000;
    await store.redeliver(owner, id, at(T));
    expect(await attemptAt(store, T, FAILED, schedule)).toEqual([id]);
    const retried = await deliveryOf(store, owner, endpoint.id);
    // Not FAILED after one failure of the new series: retried at the schedule's first step.
    expect(retried).toMatchObject({ state: 'pending', attemptCount: 4 });
    const delay = retried.nextAttemptAt!.getTime() - at(T).getTime();
    expect(delay).toBeGreaterThanOrEqual(4_000);
    expect(delay).toBeLessThanOrEqual(6_000);
    // The new series gives up after its own 3 failed attempts.
    expect(await attemptAt(store, T + 6_000, FAILED, schedule)).toEqual([id]);
    expect(await deliveryOf(store, owner, endpoint.id)).toMatchObject({ state: 'pending', attemptCount: 5 });
    expect(await attemptAt(store, T + 60_000, FAILED, schedule)).toEqual([id]);
    expect(await deliveryOf(store, owner, endpoint.id)).toMatchObject({ state: 'failed', attemptCount: 6 });
    expect(await store.getEndpoint(owner, endpoint.id)).toMatchObject({
      stateReason: expect.stringMatching(/failed after 3 attempts/),
    });
  });
});
