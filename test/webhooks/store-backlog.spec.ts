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

  it('reads NaN, not a reassuring 0, when the store cannot be read', async () => {
    expect(
      await scrape(async () => {
        throw new Error('connect ECONNREFUSED');
      }, at(0).getTime()),
    ).toEqual(['gateway_webhook_deliveries_due Nan', 'gateway_webhook_oldest_due_seconds Nan']);
  });
});
