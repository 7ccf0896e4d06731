/**
 * The soak trial's misleading warning: an attempt whose outcome the store did not record was always
 * logged as "the lease was lost meanwhile", though the trial saw it only when the endpoint, and so its
 * deliveries, had been deleted during the attempt. That case is now said as it is, at info (an owner
 * may delete an endpoint at any time); the warning stays for a delivery that another lease holds.
 */
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { createDeliveryWorker, type SendOutcome } from '../../src/webhooks/delivery-worker.js';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { eventually } from '../harness/stack.js';
import { describeOnBackends, freshOwner, newEndpoint, seenJob } from './store-backends.js';

const DELIVERED: SendOutcome = { kind: 'delivered', responseCode: 200, durationMs: 5 };

interface Line {
  level: number;
  msg: string;
  deliveryId?: string;
  endpointId?: string;
}

describeOnBackends('an attempt outcome the store did not record', (suite) => {
  const store = suite.store();

  /** A worker on `store` whose attempt waits for `answer()`, and the lines it logs. */
  function attempting(on: WebhookStore) {
    const lines: Line[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(JSON.parse(String(chunk)) as Line);
          done();
        },
      }),
    );
    let answer = (_outcome: SendOutcome) => {};
    const sent: string[] = [];
    const worker = createDeliveryWorker({
      store: on,
      send: (claim) => {
        sent.push(claim.id);
        return new Promise((resolve) => (answer = resolve));
      },
      retryAt: () => null,
      instanceId: 'instance-1',
      scanMs: 20,
      leaseMs: 60_000,
      concurrency: 1,
      caps: { perEndpoint: 2, perOwner: 1 },
      now: Date.now,
      logger,
    });
    return { worker, lines, sent, answer: (outcome: SendOutcome) => answer(outcome) };
  }

  async function oneDelivery() {
    const owner = freshOwner();
    const endpoint = await store.createEndpoint(newEndpoint(owner, { events: ['JOB_CREATED'] }), 10, new Date());
    const [delivery] = await store.recordJob(endpoint, seenJob('job-1', 'queued'), new Date());
    return { owner, endpoint, delivery: delivery! };
  }

  const notRecorded = (lines: Line[]) => lines.filter((l) => l.msg.startsWith('webhook attempt outcome not recorded'));

  it('says the endpoint was deleted meanwhile, at info, not that the lease was lost', async () => {
    const { owner, endpoint, delivery } = await oneDelivery();
    const { worker, lines, sent, answer } = attempting(store);
    try {
      await eventually(() => (sent.length === 1 ? true : undefined), 5_000, 'the attempt in flight');
      expect(sent).toEqual([delivery.id]);
      await store.deleteEndpoint(owner, endpoint.id);
      answer(DELIVERED);
      const [line] = await eventually(() => notRecorded(lines)[0] && notRecorded(lines), 5_000, 'the line');
      expect(notRecorded(lines)).toEqual([line]);
      expect(line).toMatchObject({
        level: 30,
        deliveryId: delivery.id,
        endpointId: endpoint.id,
        msg: 'webhook attempt outcome not recorded: its endpoint was deleted meanwhile, with its deliveries',
      });
      expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  it('still warns that the lease was lost when another lease holds the delivery', async () => {
    const { owner, endpoint, delivery } = await oneDelivery();
    const { worker, lines, sent, answer } = attempting(store);
    try {
      await eventually(() => (sent.length === 1 ? true : undefined), 5_000, 'the attempt in flight');
      // Another instance took it over (this one's lease expired while the receiver held the request).
      await sql`update webhook_deliveries set lease_value = 'another-instance-lease' where id = ${delivery.id}`.execute(
        suite.backend.db,
      );
      answer(DELIVERED);
      const [line] = await eventually(() => notRecorded(lines)[0] && notRecorded(lines), 5_000, 'the line');
      expect(line).toMatchObject({
        level: 40,
        deliveryId: delivery.id,
        endpointId: endpoint.id,
        msg: 'webhook attempt outcome not recorded: the lease was lost meanwhile',
      });
    } finally {
      await worker.close();
      await store.deleteEndpoint(owner, endpoint.id);
    }
  });
});
