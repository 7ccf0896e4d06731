/**
 * The delivery backlog an operator alerts on, on PostgreSQL and on PGlite, and as the metrics show
 * it: deliveries due and waiting for an attempt (not leased, their endpoint sending), how many and
 * how long the oldest has waited. A claimed delivery leaves it; one whose lease expired is back in
 * it; an endpoint switched off takes its deliveries out. A store that cannot be read reads NaN
 * (not a reassuring 0).
 */
import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import { T0, at, describeOnBackends, freshOwner, newEndpoint, seenJob } from './store-backends.js';

describeOnBackends('the webhook backlog', (suite) => {
  const store = suite.store();

  it('counts what is due and waiting, and when the oldest fell due', async () => {
    expect(await store.dueBacklog(at(0))).toEqual({ due: 0, oldestDueAt: null });
    const owner = freshOwner();
    const endpoint = await store.createEndpoint(
      newEndpoint(owner, { baseline: [{ jobId: 'job-base', status: 'running' }] }),
      10,
      T0,
    );
    const first = await store.recordJob(endpoint, seenJob('job-1', 'queued'), at(1_000));
    const second = await store.recordJob(endpoint, seenJob('job-2', 'queued'), at(5_000));
    const recorded = first.length + second.length;
    expect(recorded).toBeGreaterThan(1);
    // Not yet due before they were recorded; all of them after.
    expect(await store.dueBacklog(at(500))).toEqual({ due: 0, oldestDueAt: null });
    expect(await store.dueBacklog(at(10_000))).toEqual({ due: recorded, oldestDueAt: at(1_000) });

    // One claimed (leased for 60 s): out of the backlog; back in once its lease has expired.
    const [claimed] = await store.claimDue('instance-a', 1, 60_000, at(10_000));
    expect(claimed).toBeDefined();
    expect((await store.dueBacklog(at(10_000))).due).toBe(recorded - 1);
    expect((await store.dueBacklog(at(80_000))).due).toBe(recorded);

    // Its endpoint switched off: nothing of it waits to be sent.
    await store.updateEndpoint(owner, endpoint.id, { enabled: false }, at(80_000));
    expect(await store.dueBacklog(at(80_000))).toEqual({ due: 0, oldestDueAt: null });
  });
});

describeOnBackends('the pending webhook backlog', (suite) => {
  const store = suite.store();

  // The trial: a receiver killed for 70 s, ~20 deliveries waiting for their retry, and the due backlog
  // read 0–2, its oldest 0–0.3 s: an alert on it never fired. The pending backlog counts them.
  it('counts the deliveries waiting for a retry, from when they were recorded, until they are delivered', async () => {
    const before = await store.pendingBacklog();
    const owner = freshOwner();
    const endpoint = await store.createEndpoint(
      newEndpoint(owner, { baseline: [{ jobId: 'job-base', status: 'running' }] }),
      10,
      T0,
    );
    const recorded = [
      ...(await store.recordJob(endpoint, seenJob('job-p1', 'queued'), at(1_000))),
      ...(await store.recordJob(endpoint, seenJob('job-p2', 'queued'), at(2_000))),
    ];
    const claims = await store.claimDue('instance-p', 10, 60_000, at(3_000));
    const mine = claims.filter((c) => c.endpointId === endpoint.id);
    expect(mine).toHaveLength(recorded.length);
    // Every attempt failed: each delivery waits an hour for its retry; none is due.
    for (const claim of mine)
      await store.finishAttempt(
        claim,
        { kind: 'failed', responseCode: null, error: 'connection refused', durationMs: 5, retryAt: at(3_600_000) },
        at(3_000),
      );
    const due = await store.dueBacklog(at(60_000));
    expect(due.due).toBe(0);
    const pending = await store.pendingBacklog();
    expect(pending.pending).toBe(before.pending + recorded.length);
    expect(pending.oldestPendingAt!.getTime()).toBeLessThanOrEqual(at(1_000).getTime());

    // Delivered: out of it. Switched off: nothing of it waits to be sent.
    const [retried] = (await store.claimDue('instance-p', 10, 60_000, at(3_600_000))).filter(
      (c) => c.endpointId === endpoint.id,
    );
    await store.finishAttempt(retried!, { kind: 'delivered', responseCode: 200, durationMs: 5 }, at(3_600_000));
    expect((await store.pendingBacklog()).pending).toBe(before.pending + recorded.length - 1);
    await store.updateEndpoint(owner, endpoint.id, { enabled: false }, at(3_600_000));
    expect(await store.pendingBacklog()).toEqual(before);
  });
});

describe('the webhook backlog in the metrics', () => {
  const scrape = async (read: () => Promise<{ due: number; oldestDueAt: Date | null }>, now: number) => {
    const metrics = createGatewayMetrics({ processMetrics: false });
    metrics.watchWebhookBacklog(read, () => now);
    const text = await metrics.registry.metrics();
    return text.split('\n').filter((l) => /^gateway_webhook_(deliveries_due|oldest_due_seconds)/.test(l));
  };

  it('reads the store at each scrape: how many wait, and the oldest one’s wait in seconds', async () => {
    expect(await scrape(async () => ({ due: 3, oldestDueAt: at(0) }), at(42_500).getTime())).toEqual([
      'gateway_webhook_deliveries_due 3',
      'gateway_webhook_oldest_due_seconds 42.5',
    ]);
    expect(await scrape(async () => ({ due: 0, oldestDueAt: null }), at(42_500).getTime())).toEqual([
      'gateway_webhook_deliveries_due 0',
      'gateway_webhook_oldest_due_seconds 0',
    ]);
  });

  it('reads the pending backlog: deliveries waiting for a retry, and how long since the oldest was recorded', async () => {
    const metrics = createGatewayMetrics({ processMetrics: false });
    metrics.watchWebhookBacklog(
      async () => ({ due: 0, oldestDueAt: null, pending: 20, oldestPendingAt: at(0) }),
      () => at(70_000).getTime(),
    );
    const text = await metrics.registry.metrics();
    expect(
      text.split('\n').filter((l) => /^gateway_webhook_(deliveries_pending|oldest_pending_seconds) /.test(l)),
    ).toEqual(['gateway_webhook_deliveries_pending 20', 'gateway_webhook_oldest_pending_seconds 70']);
  });

  it('reads NaN, not a reassuring 0, when the store cannot be read', async () => {
    expect(
      await scrape(async () => {
        throw new Error('connect ECONNREFUSED');
      }, at(0).getTime()),
    ).toEqual(['gateway_webhook_deliveries_due Nan', 'gateway_webhook_oldest_due_seconds Nan']);
  });
});
