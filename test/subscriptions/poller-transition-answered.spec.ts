/**
 * The shared poller's transitions when the upstream answers for its account elsewhere (`answered`:
 * a list poll, another job's poll, an access check), one row per transition as in
 * poller-transition.spec.ts: a holder waiting out a backoff polls at once, and so does a healthy one
 * that the answer shows behind; once per outage, never against the upstream's own Retry-After.
 */
import { describe } from 'vitest';
import { HEALTHY, type FailureRecord } from '../../src/live/poll-failure-policy.js';
import type { PollerEffect, PollerEvent, PollerState } from '../../src/live/poller-state.js';
import { makeSnapshot } from '../../src/live/snapshot.js';
import { UpstreamError } from '../../src/upstream/errors.js';
import { NOW, pollerEnv, itTransitions, type TransitionRow } from '../harness/poller-rows.js';
import type { Job } from '../../src/upstream/schemas.js';

const env = pollerEnv(2_000);
const outage = (failures: number, extra: Partial<FailureRecord> = {}): FailureRecord => ({
  failures,
  failingSince: NOW - 60_000,
  retryAfterSeconds: undefined,
  ...extra,
});
const progress = (record: FailureRecord, extra: object = {}) => ({
  fresh: false,
  record,
  lastRecheck: NOW - 1_000,
  ...extra,
});
const waiting = (record: FailureRecord, extra: object = {}): PollerState => ({
  phase: 'waiting',
  ...progress(record, extra),
});
const ticking = (record: FailureRecord, extra: object = {}): PollerState => ({
  phase: 'ticking',
  woken: false,
  ...progress(record, extra),
});
const spent = { spent: true };
const FAILING = outage(5);

const answered = (ahead: boolean, held = true): PollerEvent => ({ type: 'answered', ahead, held });
const woke: PollerEffect[] = [{ type: 'clear-timer' }, { type: 'claim' }];
const e503 = new UpstreamError('UPSTREAM_UNAVAILABLE', 'down', { status: 503 });
const completed = makeSnapshot({ id: 'j', status: 'completed' } as unknown as Job, null);

const rows: TransitionRow[] = [
  [
    'in backoff, the account answers: poll now, once for this outage',
    waiting(FAILING),
    answered(false),
    { state: ticking(FAILING, spent), effects: woke },
  ],
  [
    'in backoff, the answer shows the job moved on: poll now',
    waiting(FAILING),
    answered(true),
    { state: ticking(FAILING, spent), effects: woke },
  ],
  [
    "in backoff after the breaker's refusal (its Retry-After is the gateway's, not the upstream's): poll now",
    waiting(outage(5, { retryAfterSeconds: 12 })),
    answered(false),
    { state: ticking(outage(5, { retryAfterSeconds: 12 }), spent), effects: woke },
  ],
  [
    'healthy, the answer shows the job moved on: poll now',
    waiting(HEALTHY),
    answered(true),
    { state: ticking(HEALTHY, spent), effects: woke },
  ],
  [
    'healthy, nothing new: no poll (no call per list poll)',
    waiting(HEALTHY),
    answered(false),
    unchanged(waiting(HEALTHY)),
  ],
  [
    'a standby in backoff: the holder polls, not it',
    waiting(FAILING),
    answered(true, false),
    unchanged(waiting(FAILING)),
  ],
  [
    'the early poll of this outage was spent: keep the backoff',
    waiting(FAILING, spent),
    answered(true),
    unchanged(waiting(FAILING, spent)),
  ],
  [
    'the upstream asked to wait (Retry-After): wait, whatever the answer shows',
    waiting(outage(1, { retryAfterSeconds: 60, retryAfterFromUpstream: true })),
    answered(true),
    unchanged(waiting(outage(1, { retryAfterSeconds: 60, retryAfterFromUpstream: true }))),
  ],
  ['a poll under way: it answers anyway', ticking(FAILING), answered(true), unchanged(ticking(FAILING))],
  [
    'starting: the first tick polls anyway',
    { phase: 'starting', ...progress(FAILING) },
    answered(true),
    unchanged({ phase: 'starting', ...progress(FAILING) }),
  ],
  ['disposed: nothing', { phase: 'disposed' }, answered(true), unchanged({ phase: 'disposed' })],

  // What follows the early poll.
  [
    'the early poll fails again: back to the backoff (grown), still spent',
    ticking(FAILING, spent),
    { type: 'fetch-failed', error: e503, token: 'tok' },
    {
      state: waiting(outage(6), spent),
      effects: [
        {
          type: 'log',
          level: 'warn',
          fields: { err: e503, failures: 6 },
          message: 'live updates: poll failed; retrying with backoff',
        },
        { type: 'set-timer', ms: 30_000 },
      ],
    },
  ],
  [
    'spent, its own timer fires: it polls, still spent',
    waiting(FAILING, spent),
    { type: 'timer' },
    { state: ticking(FAILING, spent), effects: [{ type: 'claim' }] },
  ],
  [
    'spent, a poll succeeds: the outage is over, the next answer may wake it again',
    ticking(FAILING, spent),
    { type: 'fetched', snapshots: [completed] },
    { state: ticking(HEALTHY), effects: [{ type: 'publish', snapshots: [completed] }] },
  ],
];

function unchanged(state: PollerState) {
  return { state, effects: [] };
}

describe('the shared poller when its account answers elsewhere', () => {
  itTransitions(rows, env);
});
