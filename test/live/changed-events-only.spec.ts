/**
 * A subscriber gets an event only when its answer changed (src/server/use-changed-events-only.ts).
 * Regression (server-integrator trial): `jobUpdated { id status }` sent the same payload at every
 * poll that found anything of the job changed (its metrics, while it ran), every 2 s. A subscriber
 * selecting what changes (`progress`) still gets each change at once.
 */
import { describe, expect, it } from 'vitest';
import { useLiveStack } from '../harness/live-stack.js';
import { eventually } from '../harness/stack.js';
import { subscribeWs } from '../harness/ws.js';

const live = useLiveStack({ http: true, intervalMs: 50 });

const STATUS_ONLY = 'subscription($id: ID!) { jobUpdated(id: $id) { id status } }';
const WITH_PROGRESS = 'subscription($id: ID!) { jobUpdated(id: $id) { id status progress } }';

describe('events of a subscription', () => {
  it('are sent when the answer changed, and only then', async () => {
    const job = await live.newJob('watched');
    live.clock.at(job, 0.3);
    const statusOnly = subscribeWs(live.ws(), STATUS_ONLY, { id: job.id });
    const withProgress = subscribeWs(live.ws(), WITH_PROGRESS, { id: job.id });
    await eventually(() => (statusOnly.events.length > 0 && withProgress.events.length > 0) || undefined, 10_000);

    // The job trains on: each step is a change of the job (its metrics), its status stays RUNNING.
    for (const [at, seen] of [
      [0.4, 2],
      [0.5, 3],
      [0.6, 4],
    ] as const) {
      live.clock.at(job, at);
      await eventually(() => withProgress.events.length >= seen || undefined, 10_000, `progress ${at}`);
    }
    live.clock.at(job, 1.5);
    await Promise.all([statusOnly.done, withProgress.done]);

    expect(statusOnly.events.map((e) => e.data?.jobUpdated.status)).toEqual(['RUNNING', 'COMPLETED']);
    const progress = withProgress.events.map((e) => e.data?.jobUpdated.progress as number);
    expect(withProgress.events.map((e) => e.data?.jobUpdated.status)).toEqual([
      'RUNNING',
      'RUNNING',
      'RUNNING',
      'RUNNING',
      'COMPLETED',
    ]);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(progress).size).toBe(progress.length);
  });
});
