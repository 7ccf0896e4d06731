/**
 * The trial's finding: a dead receiver wrote one info line per failed attempt (117 lines in 70 s for
 * one endpoint). Now "webhook attempt failed" goes out at info once a minute per endpoint, with how
 * many attempts went unlogged since (`unlogged`), and each attempt at debug; another endpoint's first
 * failure is still logged at once.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { createDeliveryWorker } from '../../src/webhooks/delivery-worker.js';
import { FAILED_ATTEMPT_LOG_EVERY_MS } from '../../src/webhooks/failed-attempt-log.js';
import { eventually } from '../harness/stack.js';
import { T0, describeOnBackends, endpointWithBaseline, freshOwner, seenJob } from './store-backends.js';

describeOnBackends('failed attempts in the operator log', (suite) => {
  const store = suite.store();

  it('logs a dead receiver at info once a minute per endpoint, each attempt at debug', async () => {
    const lines: Array<{ level: number; msg: string; endpointId?: string; unlogged?: number }> = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    const dead = await endpointWithBaseline(store, freshOwner());
    const other = await endpointWithBaseline(store, freshOwner());
    for (const id of ['job-1', 'job-2', 'job-3']) await store.recordJob(dead, seenJob(id, 'queued'), T0);
    let clock = T0.getTime();
    let attempts = 0;
    const worker = createDeliveryWorker({
      store,
      async send() {
        attempts += 1;
        return { kind: 'failed', responseCode: null, error: 'connection refused (ECONNREFUSED)', durationMs: 1 };
      },
      // Due again at once, four attempts at most: twelve failures within a second.
      retryAt: (attempt, at) => (attempt < 4 ? at : null),
      instanceId: 'instance-log',
      scanMs: 20,
      leaseMs: 60_000,
      concurrency: 4,
      caps: { perEndpoint: 2, perOwner: 4 },
      now: () => clock,
      logger,
    });
    try {
      await eventually(() => (attempts >= 12 ? true : undefined), 20_000, 'twelve attempts');
      const failed = (endpointId: string, level: number) =>
        lines.filter((l) => l.msg === 'webhook attempt failed' && l.endpointId === endpointId && l.level === level);
      await eventually(() => (failed(dead.id, 20).length >= 11 ? true : undefined), 5_000, 'the debug lines');
      expect(failed(dead.id, 30)).toHaveLength(1);
      expect(failed(dead.id, 30)[0]).toMatchObject({ unlogged: 0 });

      // A minute on: the next failure is at info again, counting those logged at debug meanwhile.
      clock += FAILED_ATTEMPT_LOG_EVERY_MS;
      await store.recordJob(dead, seenJob('job-4', 'queued'), new Date(clock));
      await store.recordJob(other, seenJob('job-5', 'queued'), new Date(clock));
      worker.kick();
      await eventually(() => (failed(dead.id, 30).length === 2 ? true : undefined), 20_000, 'the next info line');
      expect(failed(dead.id, 30)[1]).toMatchObject({ unlogged: 11 });
      await eventually(
        () => (failed(other.id, 30).length === 1 ? true : undefined),
        20_000,
        "the other endpoint's line",
      );
    } finally {
      await worker.close();
    }
  });
});
