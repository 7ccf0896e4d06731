/**
 * Retention of finished deliveries (WEBHOOK_DELIVERY_RETENTION_MS), on PostgreSQL and on PGlite: a
 * delivery that succeeded or failed for good is deleted with its attempts once nothing happened to it
 * for the retention; a pending one never is, nor one redelivered since, nor a recent one; what is
 * deleted is gone from the owner's reads; a sweep deletes in batches until none is left. And the
 * gateway sweeps at start and then at the pace the setting gives.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startDeliveryRetention } from '../../src/webhooks/delivery-retention.js';
import type { AttemptOutcome, WebhookOwner } from '../../src/webhooks/webhook-store.js';
import { startWebhookStack } from './api-stack.js';
import { at, countRows, describeOnBackends, freshOwner, newEndpoint, seenJob } from './store-backends.js';

const HOUR = 3_600_000;
const delivered: AttemptOutcome = { kind: 'delivered', responseCode: 200, durationMs: 5 };
const failedForGood: Extract<AttemptOutcome, { kind: 'failed' }> = {
  kind: 'failed',
  responseCode: 500,
  error: 'HTTP 500',
  durationMs: 5,
  retryAt: null,
};

describeOnBackends('webhook delivery retention', (suite) => {
  const backend = suite.backend;
  const store = suite.store();

  /** A delivery of a new job, made at `madeAt`, then attempted once at `attemptAt` with `outcome` (if any). */
  async function deliveryOf(
    owner: WebhookOwner,
    endpointId: string,
    jobId: string,
    madeAt: Date,
    attempt?: { at: Date; outcome: AttemptOutcome },
  ): Promise<string> {
    const [made] = await store.recordJob({ id: endpointId, events: ['JOB_CREATED'] }, seenJob(jobId, 'queued'), madeAt);
    if (attempt) {
      const claims = await store.claimDue('retention-spec', 1_000, 60_000, attempt.at);
      const claim = claims.find((c) => c.id === made!.id)!;
      for (const other of claims.filter((c) => c !== claim))
        await store.finishAttempt(other, { ...failedForGood, retryAt: attempt.at }, attempt.at);
      expect(await store.finishAttempt(claim, attempt.outcome, attempt.at)).toBe(true);
    }
    return made!.id;
  }

  const attemptRows = (deliveryId: string) => countRows(backend.db, 'webhook_attempts', 'delivery_id', deliveryId);

  it('deletes finished deliveries untouched for the retention, with their attempts; keeps the rest', async () => {
    const owner = freshOwner();
    const endpoint = await store.createEndpoint(newEndpoint(owner, { events: ['JOB_CREATED'] }), 10, at(0));
    const succeeded = await deliveryOf(owner, endpoint.id, 'job-ok', at(0), { at: at(1_000), outcome: delivered });
    const failed = await deliveryOf(owner, endpoint.id, 'job-ko', at(0), { at: at(1_000), outcome: failedForGood });
    const retrying = await deliveryOf(owner, endpoint.id, 'job-retry', at(0), {
      at: at(1_000),
      outcome: { ...failedForGood, retryAt: at(10 * HOUR) },
    });
    // Pending: attempted (as another's claim, below) and due again; never deleted.
    const pending = await deliveryOf(owner, endpoint.id, 'job-pending', at(0));
    const redelivered = await deliveryOf(owner, endpoint.id, 'job-again', at(0), {
      at: at(1_000),
      outcome: delivered,
    });
    // Redelivered two hours later: its new attempt is what counts.
    expect(await store.redeliver(owner, redelivered, at(2 * HOUR))).not.toBeNull();
    const [again] = (await store.claimDue('retention-spec', 1_000, 60_000, at(2 * HOUR))).filter(
      (c) => c.id === redelivered,
    );
    expect(await store.finishAttempt(again!, delivered, at(2 * HOUR))).toBe(true);
    const recent = await deliveryOf(owner, endpoint.id, 'job-recent', at(2 * HOUR), {
      at: at(2 * HOUR),
      outcome: delivered,
    });
    expect(await attemptRows(succeeded)).toBe(1);

    // A retention of one hour, read at 2.5 h: what finished before 1.5 h and saw nothing since goes.
    expect(await store.pruneDeliveries(at(1.5 * HOUR), 100)).toBe(2);

    const left = (await store.listDeliveries(owner, endpoint.id, 50, null)).deliveries.map((d) => d.id);
    expect(new Set(left)).toEqual(new Set([retrying, pending, redelivered, recent]));
    for (const gone of [succeeded, failed]) {
      expect(await attemptRows(gone)).toBe(0);
      expect(await store.attempts(owner, gone)).toEqual([]);
      expect(await store.redeliver(owner, gone, at(3 * HOUR))).toBeNull();
    }
    expect(await attemptRows(redelivered)).toBe(2);
    // Nothing more to delete at the same cutoff.
    expect(await store.pruneDeliveries(at(1.5 * HOUR), 100)).toBe(0);
  });

  it('a sweep deletes in batches until none is left past the retention, and says how many', async () => {
    // Hours before the first test's deliveries, so that its cutoff leaves those alone.
    const owner = freshOwner();
    const endpoint = await store.createEndpoint(newEndpoint(owner, { events: ['JOB_CREATED'] }), 10, at(0));
    const old: string[] = [];
    for (let i = 0; i < 5; i++)
      old.push(
        await deliveryOf(owner, endpoint.id, `job-batch-${i}`, at(-10 * HOUR + i), {
          at: at(-10 * HOUR + 100 + i),
          outcome: delivered,
        }),
      );
    const kept = await deliveryOf(owner, endpoint.id, 'job-batch-new', at(-6 * HOUR), {
      at: at(-6 * HOUR),
      outcome: delivered,
    });

    const counted: number[] = [];
    const retention = startDeliveryRetention({
      store,
      retentionMs: HOUR,
      everyMs: HOUR,
      batch: 2,
      now: () => at(-5.5 * HOUR).getTime(),
      logger: pino({ level: 'silent' }),
      onDeleted: (count) => counted.push(count),
    });
    try {
      // The sweep started with it: the five, two at a time; the next finds none.
      expect(await retention.sweep()).toBe(5);
      expect(await retention.sweep()).toBe(0);
      const left = (await store.listDeliveries(owner, endpoint.id, 50, null)).deliveries.map((d) => d.id);
      expect(left).toEqual([kept]);
      for (const gone of old) expect(await attemptRows(gone)).toBe(0);
      // What the metric counts (gateway_webhook_deliveries_deleted_total): the sweep that deleted, once.
      expect(counted).toEqual([5]);
    } finally {
      await retention.close();
    }
  });
});

describe('the gateway sweeps with WEBHOOK_DELIVERY_RETENTION_MS', () => {
  const sweepsWithin = async (retentionMs: string | undefined, waitMs: number) => {
    const stack = await startWebhookStack({
      webhookDelivery: true,
      ...(retentionMs ? { env: { WEBHOOK_DELIVERY_RETENTION_MS: retentionMs } } : {}),
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      return stack.storeCalls()['pruneDeliveries'] ?? 0;
    } finally {
      await stack.close();
    }
  };

  it('once at start, then every hour, or every retention when that is shorter', async () => {
    // The default (30 days): the sweep at start, and the next an hour later.
    expect(await sweepsWithin(undefined, 1_000)).toBe(1);
    // 200 ms: at start, then about every 200 ms.
    expect(await sweepsWithin('200', 1_000)).toBeGreaterThanOrEqual(3);
  });

  it('refuses a retention that is not a whole number of milliseconds above 0', () => {
    expect(() => loadConfig({ WEBHOOK_DELIVERY_RETENTION_MS: '0' })).toThrow(/WEBHOOK_DELIVERY_RETENTION_MS/);
    expect(() => loadConfig({ WEBHOOK_DELIVERY_RETENTION_MS: '30d' })).toThrow(/WEBHOOK_DELIVERY_RETENTION_MS/);
  });
});
