/**
 * When the last subscriber of a job leaves, however it leaves, polling stops: by completing its
 * operation (graphql-ws `complete`), by its socket dying without a close handshake, or by its SSE
 * request being aborted. Over the real server; the job is held running by a manual clock, so only
 * the subscribers leaving can end the polling. Counts come from the simulator.
 */
import type { Client } from 'graphql-ws';
import type WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobHeldAt, seedDataset } from '../harness/fixtures.js';
import { manualClock } from '../harness/manual-clock.js';
import { subscribeSse } from '../harness/sse.js';
import { pollingStopped } from '../harness/live-stack.js';
import { DEMO, eventually, startStack, type Stack } from '../harness/stack.js';
import { subscribeWs, wsClient } from '../harness/ws.js';

const JOB_SECONDS = 1_000;
const INTERVAL_MS = 50;
const clock = manualClock(JOB_SECONDS);
let stack: Stack;
let datasetId: string;
let clients: Client[] = [];

beforeAll(async () => {
  stack = await startStack({
    http: true,
    simulator: { jobSeconds: JOB_SECONDS, now: clock.now },
    live: { intervals: { runningMs: INTERVAL_MS, queuedMs: INTERVAL_MS, listMs: INTERVAL_MS } },
  });
  ({ datasetId } = await seedDataset(stack, DEMO));
});
afterEach(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  clients = [];
});
afterAll(() => stack.close());

const WATCH = `subscription($id: ID!) { jobUpdated(id: $id) { id status metrics { latest { step } } } }`;
const jobPolls = () => stack.simulator.stats()['GET /jobs/{id}'] ?? 0;

const runningJob = (name: string) => jobHeldAt(stack, DEMO, datasetId, clock, name, 0.5);

/** The poller stays while one subscriber is left: its polls go on. */
async function stillPolling(): Promise<void> {
  expect(stack.live.pollerCount()).toBe(1);
  const before = jobPolls();
  await eventually(
    () => (jobPolls() >= before + 2 ? true : undefined),
    5_000,
    'polling to go on for the remaining subscriber',
  );
}

/** No poller, and no job poll while a list poller on the same interval polls several times (see pollingStopped). */
async function stoppedPolling(): Promise<void> {
  await pollingStopped(stack);
  expect(stack.live.pollerCount()).toBe(0);
}

describe('polling stops when the last subscriber leaves', () => {
  it('by completing its operation over graphql-ws (two subscribers, one after the other)', async () => {
    const job = await runningJob('complete');
    const client = wsClient(stack.server!.url, DEMO);
    clients.push(client);
    const first = subscribeWs(client, WATCH, { id: job.id });
    const last = subscribeWs(client, WATCH, { id: job.id });
    await eventually(() => (first.events.length > 0 && last.events.length > 0 ? true : undefined));
    first.unsubscribe();
    await stillPolling();
    last.unsubscribe();
    await stoppedPolling();
  });

  it('by its socket dying without a close handshake', async () => {
    const job = await runningJob('terminate');
    const sockets: WebSocket[] = [];
    const client = wsClient(stack.server!.url, DEMO, { onSocket: (s) => sockets.push(s) });
    clients.push(client);
    const subs = [subscribeWs(client, WATCH, { id: job.id }), subscribeWs(client, WATCH, { id: job.id })];
    await eventually(() => (subs.every((s) => s.events.length > 0) ? true : undefined));
    expect(sockets).toHaveLength(1);
    sockets[0]!.terminate(); // Destroys the TCP connection: the server sees no close frame.
    await Promise.all(subs.map((s) => s.done.catch(() => {})));
    await stoppedPolling();
  });

  it('by aborting its SSE request (the last of a WebSocket and an SSE subscriber)', async () => {
    const job = await runningJob('sse-abort');
    const client = wsClient(stack.server!.url, DEMO);
    clients.push(client);
    const ws = subscribeWs(client, WATCH, { id: job.id });
    const sse = subscribeSse(fetch, stack.server!.url, WATCH, { id: job.id }, DEMO);
    await eventually(() => (ws.events.length > 0 && sse.events.length > 0 ? true : undefined));
    ws.unsubscribe();
    await stillPolling();
    sse.abort();
    await sse.done.catch(() => {});
    await stoppedPolling();
  });

  it('a socket that opens and completes many subscriptions keeps no listener per subscription', async () => {
    const job = await runningJob('many-operations');
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const client = wsClient(stack.server!.url, DEMO);
      clients.push(client);
      for (let round = 0; round < 3; round++) {
        // Both kinds of subscription (identical `jobUpdated`s may share one execution; `jobsUpdated`s never do).
        const subs = Array.from({ length: 16 }, (_, i) =>
          i % 2 === 0
            ? subscribeWs(client, WATCH, { id: job.id })
            : subscribeWs(client, `subscription { jobsUpdated { id } }`, {}),
        );
        await eventually(() => (subs.every((s) => s.events.length > 0) ? true : undefined));
        for (const sub of subs) sub.unsubscribe();
        await stoppedPollingQuickly();
      }
      // Warnings are emitted on a later tick, in order: once one of ours arrives, any earlier one has.
      const flushed = new Promise<void>((resolve) => {
        const onFlush = (warning: Error) => {
          if (warning.name !== 'FlushWarning') return;
          process.off('warning', onFlush);
          resolve();
        };
        process.on('warning', onFlush);
      });
      process.emitWarning('every warning emitted before this one has been delivered', 'FlushWarning');
      await flushed;
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map(String)).toEqual([]);
  });
});

async function stoppedPollingQuickly(): Promise<void> {
  await eventually(
    () => (stack.live.pollerCount() === 0 && stack.live.listPollerCount() === 0 ? true : undefined),
    5_000,
    'the poller registries to empty',
  );
}
