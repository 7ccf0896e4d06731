/**
 * The shared poller's transitions when a publish fails (Redis unreachable), one row per transition,
 * as in poller-transition.spec.ts: what the holder polled is delivered to its own subscribers at
 * once and owed to the other instances, published before what the next poll finds, and given up
 * only with a warning.
 */
import { describe, expect, it } from 'vitest';
import type { PollerEffect, PollerState } from '../../src/live/poller-state.js';
import { pollerTransition } from '../../src/live/poller-transition.js';
import { makeSnapshot, type JobSnapshot } from '../../src/live/snapshot.js';
import { NOW, healthyStates, pollerEnv, itTransitions, type TransitionRow } from '../harness/poller-rows.js';
import type { Job, JobStatus, Metrics } from '../../src/upstream/schemas.js';

const RUNNING_MS = 2_000;
const env = pollerEnv(RUNNING_MS);
const { progress, ticking, waiting } = healthyStates(NOW - 1_000);

const snapshot = (status: JobStatus, points = 0, id = 'j'): JobSnapshot =>
  makeSnapshot(
    { id, status, updatedAt: new Date(NOW).toISOString() } as unknown as Job,
    points === 0 ? null : ({ points: Array.from({ length: points }, (_, step) => ({ step })) } as unknown as Metrics),
  );
const queued = snapshot('queued');
const starting = snapshot('starting');
const running3 = snapshot('running', 3);
const running5 = snapshot('running', 5);

const owing = (unpublished: JobSnapshot[]) => ({ ...progress, unpublished });
const redisDown = new Error('Redis cannot be reached (connection reconnecting)');

const couldNotPublish: PollerEffect = {
  type: 'log',
  level: 'warn',
  fields: { err: redisDown },
  message:
    "live updates: could not publish (Redis unreachable); this instance's subscribers get the changes, " +
    'the other instances get them once Redis is back',
};
const abandoned = (changes: number, why: string): PollerEffect => ({
  type: 'log',
  level: 'warn',
  fields: { changes },
  message: `live updates: changes seen while Redis could not be reached were delivered on this instance only (${why})`,
});

const rows: TransitionRow[] = [
  [
    'the first publish failing: say so once, deliver here, owe it to the others',
    ticking(),
    { type: 'publish-failed', error: redisDown, snapshots: [starting] },
    { state: ticking(owing([starting])), effects: [couldNotPublish, { type: 'deliver', snapshots: [starting] }] },
  ],
  [
    'failing again while owing: deliver here, owe all of it (the latest of each status), no second warning',
    ticking(owing([starting, running3])),
    { type: 'publish-failed', error: redisDown, snapshots: [starting, running3, running5] },
    {
      state: ticking(owing([starting, running5])),
      effects: [{ type: 'deliver', snapshots: [starting, running3, running5] }],
    },
  ],
  [
    'a poll while owing: publish what is owed first, then what the poll found',
    ticking(owing([starting])),
    { type: 'fetched', snapshots: [running3] },
    { state: ticking(owing([starting])), effects: [{ type: 'publish', snapshots: [starting, running3] }] },
  ],
  [
    'a poll that found nothing new while owing: publish what is owed',
    ticking(owing([queued, starting])),
    { type: 'fetched', snapshots: [] },
    { state: ticking(owing([queued, starting])), effects: [{ type: 'publish', snapshots: [queued, starting] }] },
  ],
  [
    'published at last: deliver (the strategy drops what was delivered already), nothing owed',
    ticking(owing([starting])),
    { type: 'published', ok: true, snapshots: [starting, running3] },
    { state: ticking(), effects: [{ type: 'deliver', snapshots: [starting, running3] }] },
  ],
  [
    'refused while owing (Redis may have lost the lease): claim again at once',
    ticking(owing([starting])),
    { type: 'published', ok: false, snapshots: [starting, running3] },
    { state: ticking(owing([starting])), effects: [{ type: 'claim' }] },
  ],
  [
    'the lease is another instance’s: give up what is owed, saying so, and wait',
    ticking(owing([starting, running3])),
    { type: 'claimed', gained: false, held: false },
    { state: waiting(), effects: [abandoned(2, 'another instance polls now'), { type: 'set-timer', ms: RUNNING_MS }] },
  ],
  [
    'the lease taken back: poll, publishing everything (after what is owed)',
    ticking(owing([starting])),
    { type: 'claimed', gained: true, held: true },
    { state: ticking({ ...owing([starting]), fresh: true }), effects: [{ type: 'poll', fresh: true }] },
  ],
  [
    'Redis back while owing and waiting: the timer goes, tick now',
    waiting(owing([starting])),
    { type: 'reconnected', reread: false },
    { state: ticking(owing([starting])), effects: [{ type: 'clear-timer' }, { type: 'claim' }] },
  ],
  [
    'Redis back while owing, during a tick: tick again right after it',
    ticking(owing([starting])),
    { type: 'reconnected', reread: false },
    { state: { ...ticking(owing([starting])), woken: true } as PollerState, effects: [] },
  ],
  [
    'Redis back, nothing owed: nothing to do',
    waiting(),
    { type: 'reconnected', reread: false },
    { state: waiting(), effects: [] },
  ],
  [
    'the topic finished while owing: dispose, saying what the others did not get',
    waiting(owing([starting])),
    { type: 'finished' },
    {
      state: { phase: 'disposed' },
      effects: [abandoned(1, 'the poller stopped'), { type: 'dispose', error: undefined }],
    },
  ],
];

describe('the shared poller’s transitions while Redis cannot be reached', () => {
  itTransitions(rows, env);

  it('owes one snapshot per job and status, in the order first seen, however many polls Redis stays away', () => {
    const other = snapshot('queued', 0, 'k');
    let state: PollerState = ticking();
    const polled = [queued, other, starting, running3, running5, snapshot('running', 9), snapshot('running', 12)];
    for (const s of polled) {
      // Each poll finds one change; its publish, with what is owed, fails.
      const fetched = pollerTransition(state, { type: 'fetched', snapshots: [s] }, env);
      const [publish] = fetched.effects;
      expect(publish?.type).toBe('publish');
      const outgoing = publish?.type === 'publish' ? publish.snapshots : [];
      expect(outgoing.at(-1)).toBe(s);
      state = pollerTransition(
        fetched.state,
        { type: 'publish-failed', error: redisDown, snapshots: outgoing },
        env,
      ).state;
    }
    expect((state as { unpublished?: JobSnapshot[] }).unpublished?.map((s) => [s.job.id, s.job.status])).toEqual([
      ['j', 'queued'],
      ['k', 'queued'],
      ['j', 'starting'],
      ['j', 'running'],
    ]);
    expect((state as { unpublished?: JobSnapshot[] }).unpublished?.at(-1)).toBe(polled.at(-1));
  });
});
