/**
 * The shared poller's transitions for a list's standby after Redis came back (README.md, Failures),
 * and for Redis failing the lease claim, one row per transition as in poller-transition.spec.ts:
 * Redis keeps no last state of a list, so a standby reads the list itself once (for its own
 * subscribers) when it listens and after each reconnection, until that read succeeds; the holder does
 * not (its subscribers are current). A claim that Redis fails is logged as Redis's failure.
 */
import { describe, expect, it } from 'vitest';
import { LiveUpdatesUnavailableError } from '../../src/live/live-unavailable.js';
import { pollerTransition } from '../../src/live/poller-transition.js';
import { makeSnapshot } from '../../src/live/snapshot.js';
import { NOW, healthyStates, pollerEnv, itTransitions, type TransitionRow } from '../harness/poller-rows.js';
import type { Job } from '../../src/upstream/schemas.js';

const LIST_MS = 5_000;
const env = pollerEnv(LIST_MS, 0);
const { progress, ticking, waiting } = healthyStates(NOW);
const completed = makeSnapshot({ id: 'j', status: 'completed' } as unknown as Job, null);
const serverError = new Error('503');
const redisDown = new Error('Reached the max retries per request limit (which is 20).');

const rows: TransitionRow[] = [
  [
    'a list starts listening: the first tick claims, with a read of its own due',
    { phase: 'starting', ...progress },
    { type: 'listening', reread: true },
    { state: ticking({ reread: true }), effects: [{ type: 'claim' }] },
  ],
  [
    'Redis back, a list waiting: tick now, with a read of its own due',
    waiting(),
    { type: 'reconnected', reread: true },
    { state: ticking({ reread: true }), effects: [{ type: 'clear-timer' }, { type: 'claim' }] },
  ],
  [
    'a standby with a read due: read the list for this instance',
    ticking({ reread: true }),
    { type: 'claimed', gained: false, held: false },
    { state: ticking({ reread: true }), effects: [{ type: 'reread' }] },
  ],
  [
    'the holder: its subscribers are current, it polls (and publishes) as always',
    ticking({ reread: true }),
    { type: 'claimed', gained: false, held: true },
    { state: ticking(), effects: [{ type: 'poll', fresh: false }] },
  ],
  [
    'the read answered: deliver it here, the read done',
    ticking({ reread: true }),
    { type: 'reread', snapshots: [completed] },
    { state: ticking(), effects: [{ type: 'deliver', snapshots: [completed] }] },
  ],
  [
    'the read failed: still due, tried at the next tick',
    ticking({ reread: true }),
    { type: 'reread-failed', error: serverError, token: 't' },
    { state: waiting({ reread: true }), effects: [{ type: 'set-timer', ms: LIST_MS }] },
  ],
  [
    'Redis failed the claim: logged as Redis, backing off',
    ticking(),
    { type: 'failed', error: redisDown },
    {
      state: waiting({ record: { failures: 1, failingSince: NOW, retryAfterSeconds: undefined } }),
      effects: [
        {
          type: 'log',
          level: 'warn',
          fields: { err: redisDown, failures: 1 },
          message: 'live updates: Redis failed (the poll lease could not be claimed); retrying with backoff',
        },
        { type: 'set-timer', ms: 2 * LIST_MS },
      ],
    },
  ],
];

describe('a list standby’s own read after Redis came back', () => {
  itTransitions(rows, env);

  it('ends a stream that cannot listen, and one Redis fails past giveUpAfterMs, with SERVICE_UNAVAILABLE', () => {
    const listen = pollerTransition(
      { phase: 'starting', ...progress },
      { type: 'listen-failed', error: redisDown },
      env,
    );
    const failing = ticking({ record: { failures: 9, failingSince: NOW - 300_000, retryAfterSeconds: undefined } });
    const claim = pollerTransition(failing, { type: 'failed', error: redisDown }, env);
    for (const step of [listen, claim]) {
      const dispose = step.effects.find((effect) => effect.type === 'dispose');
      expect(dispose?.type === 'dispose' && dispose.error).toBeInstanceOf(LiveUpdatesUnavailableError);
      expect((dispose as unknown as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
    }
  });
});
