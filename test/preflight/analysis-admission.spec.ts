/**
 * Regression: one caller's analyses held every place of the pool, and every other tenant's analysis
 * waited behind them in a FIFO queue for minutes. Each caller now has a bounded share, refused at once
 * past it, the queue is bounded, and a place that frees goes to the caller with the fewest running.
 */
import { describe, expect, it } from 'vitest';
import {
  AnalysisRefused,
  createAnalysisAdmission,
  type RefusalReason,
} from '../../src/preflight/analysis-admission.js';

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error as AnalysisRefused,
  );

describe('each caller has a fair share of the analysis pool', () => {
  it("refuses a caller's analysis past its share at once, with the rule and retry advice", async () => {
    const refused: RefusalReason[] = [];
    const admission = createAnalysisAdmission({ slots: 4, perCaller: 2, onRefused: (r) => refused.push(r) });
    await admission.enter('a');
    await admission.enter('a');
    const third = await refusal(Promise.resolve().then(() => admission.enter('a')));
    expect(third).toBeInstanceOf(AnalysisRefused);
    expect(third).toMatchObject({
      reason: 'caller',
      retryAfterSeconds: 1,
      message:
        'This caller already has 2 dataset analyses running or waiting on this gateway (ANALYZE_MAX_PER_CALLER); ' +
        'retry once one of them has ended.',
    });
    expect(refused).toEqual(['caller']);
    // Another caller is served at once.
    await admission.enter('b');
    expect(admission.running()).toBe(3);
  });

  it('gives a freed place to the waiting caller with the fewest analyses running, not the first in line', async () => {
    const admission = createAnalysisAdmission({ slots: 2, perCaller: 2 });
    await admission.enter('a');
    const b1 = await admission.enter('b');
    const order: string[] = [];
    const a2 = admission.enter('a').then((r) => (order.push('a'), r));
    const c1 = admission.enter('c').then((r) => (order.push('c'), r));
    expect(admission.waiting()).toBe(2);
    b1(); // a still has one running, c none: c passes before a's second

    await c1;
    expect(order).toEqual(['c']);
    (await c1)();
    await a2;
    expect(order).toEqual(['c', 'a']);
  });

  it('bounds the queue, and a wait, each refused in the gateway’s words', async () => {
    const refused: RefusalReason[] = [];
    const admission = createAnalysisAdmission({
      slots: 1,
      maxWaiting: 1,
      maxWaitMs: 50,
      onRefused: (r) => refused.push(r),
    });
    await admission.enter('a');
    const waiting = refusal(admission.enter('b'));
    const busy = await refusal(Promise.resolve().then(() => admission.enter('c')));
    expect(busy).toMatchObject({
      reason: 'busy',
      message: expect.stringMatching(/^The gateway's dataset analysis is busy: 1 analyses running and 1 waiting/),
    });
    expect(await waiting).toMatchObject({
      reason: 'wait',
      message: expect.stringMatching(
        /stayed busy with other analyses for 0.05 s \(ANALYZE_QUEUE_WAIT_SECONDS\) .*the wait was the gateway's, not the upload's/,
      ),
    });
    expect(refused).toEqual(['busy', 'wait']);
    expect(admission.waiting()).toBe(0);
  });

  it('lets a caller who leaves while waiting out of the queue, and out of its share', async () => {
    const admission = createAnalysisAdmission({ slots: 1, perCaller: 1 });
    const release = await admission.enter('a');
    const leaving = new AbortController();
    const waiting = refusal(admission.enter('b', leaving.signal));
    leaving.abort(new Error('gone'));
    expect(await waiting).toEqual(new Error('gone'));
    release();
    (await admission.enter('b'))();
    expect(admission.running()).toBe(0);
  });
});
