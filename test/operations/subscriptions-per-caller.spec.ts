/**
 * CALLER_MAX_SUBSCRIPTIONS: a caller's subscriptions open at once, over WebSocket and SSE together,
 * are bounded; past the bound a new one is refused with RATE_LIMITED naming the setting, and one
 * ending frees its place. Another caller is not affected. Reproduced in a trial before the bound:
 * 5,000 subscriptions on one socket, all accepted, took a gateway from 90 to 314 MB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { subscribeSse } from '../harness/sse.js';
import { DEMO, OTHER, eventually, startStack, type Stack } from '../harness/stack.js';
import { subscribeWs, wsClient, type WsSubscription } from '../harness/ws.js';

const WATCH = 'subscription($id: ID!) { jobUpdated(id: $id) { id status } }';

describe('subscriptions per caller', () => {
  let stack: Stack;
  const jobs = new Map<string, string>();
  beforeAll(async () => {
    stack = await startStack({ http: true, simulator: { jobSeconds: 3600 }, env: { CALLER_MAX_SUBSCRIPTIONS: '3' } });
    for (const creds of [DEMO, OTHER]) {
      const { datasetId } = await seedDataset(stack, creds, 'subs');
      const job = await stack.client.createJob(creds, {
        name: 'watched',
        baseModelId: LLAMA_INSTRUCT,
        dataset: { id: datasetId, answerColumn: 'answer' },
      });
      jobs.set(creds.token, job.id);
    }
  });
  afterAll(() => stack.close());

  const firstEvent = (sub: { events: unknown[] }) =>
    eventually(() => (sub.events.length > 0 ? sub.events[0] : undefined), 10_000, 'first event');

  it('refuses the caller’s subscription past the bound, on either transport, until one of its own ends', async () => {
    const url = stack.server!.url;
    const demo = wsClient(url, DEMO);
    const other = wsClient(url, OTHER);
    const open: WsSubscription[] = [];
    try {
      for (let i = 0; i < 2; i++) open.push(subscribeWs(demo, WATCH, { id: jobs.get(DEMO.token) }));
      const sse = subscribeSse(fetch, url, WATCH, { id: jobs.get(DEMO.token) }, DEMO);
      for (const sub of [...open, sse])
        expect(await firstEvent(sub)).toMatchObject({ data: { jobUpdated: { status: 'QUEUED' } } });

      // The fourth, over WebSocket, then over SSE: refused.
      const refused = subscribeWs(demo, WATCH, { id: jobs.get(DEMO.token) });
      const refusal = await refused.done.then(
        () => null,
        (error: Error) => JSON.parse(error.message) as Array<{ message: string; extensions: Record<string, unknown> }>,
      );
      expect(refusal).toEqual([
        {
          message: expect.stringMatching(/3 subscriptions open on this gateway \(CALLER_MAX_SUBSCRIPTIONS\)/),
          // As a WebSocket client reads it: no HTTP status or headers.
          extensions: { code: 'RATE_LIMITED', limitedBy: 'gateway', retryAfterSeconds: 1 },
        },
      ]);
      const refusedSse = subscribeSse(fetch, url, WATCH, { id: jobs.get(DEMO.token) }, DEMO);
      await refusedSse.done;
      expect(refusedSse.events).toEqual([
        {
          errors: [
            expect.objectContaining({
              message: expect.stringMatching(/CALLER_MAX_SUBSCRIPTIONS/),
              extensions: expect.objectContaining({ code: 'RATE_LIMITED' }),
            }),
          ],
        },
      ]);

      // Another caller is not affected.
      const others = subscribeWs(other, WATCH, { id: jobs.get(OTHER.token) });
      expect(await firstEvent(others)).toMatchObject({ data: { jobUpdated: { status: 'QUEUED' } } });
      others.unsubscribe();

      // One of the caller's own ends (the SSE stream): its place is free again.
      sse.abort();
      const next = await eventually(
        async () => {
          const attempt = subscribeWs(demo, WATCH, { id: jobs.get(DEMO.token) });
          const first = await Promise.race([
            firstEvent(attempt),
            attempt.done.then(
              () => undefined,
              () => undefined,
            ),
          ]);
          return first === undefined ? undefined : attempt;
        },
        10_000,
        'a place freed',
      );
      open.push(next);
      expect(next.events[0]).toMatchObject({ data: { jobUpdated: { status: 'QUEUED' } } });
    } finally {
      for (const sub of open) sub.unsubscribe();
      await demo.dispose();
      await other.dispose();
    }
  });
});
