/**
 * The shared poller's control state, one row per transition: the transition is a pure function, so
 * each row states the whole input (state, event, what the strategy says of the poll interval) and the
 * whole outcome (the next state and the effects the shell runs, in order).
 */
import { describe, expect, it } from 'vitest';
import { HEALTHY, type FailureRecord } from '../../src/live/poll-failure-policy.js';
import type { PollerEffect, PollerEnv, PollerEvent, PollerState } from '../../src/live/poller-state.js';
import { initialPollerState, pollerTransition } from '../../src/live/poller-transition.js';
import { makeSnapshot } from '../../src/live/snapshot.js';
import type { Job } from '../../src/upstream/schemas.js';
import { UpstreamError } from '../../src/upstream/errors.js';

const NOW = 1_000_000;
const RUNNING_MS = 2_000;
const env: PollerEnv = {
  now: NOW,
  baseDelayMs: RUNNING_MS,
  intervals: { maxBackoffMs: 30_000, giveUpAfterMs: 300_000, standbyRecheckMs: 60_000 },
  tokens: 1,
};
const progress = { fresh: false, record: HEALTHY, lastRecheck: NOW - 1_000 };
const starting: PollerState = { phase: 'starting', ...progress };
const ticking: PollerState = { phase: 'ticking', woken: false, ...progress };
const woken: PollerState = { phase: 'ticking', woken: true, ...progress };
const freshTick: PollerState = { phase: 'ticking', woken: false, ...progress, fresh: true };
const waiting: PollerState = { phase: 'waiting', ...progress };
const disposed: PollerState = { phase: 'disposed' };
const outage = (failures: number, forMs: number): FailureRecord => ({
  failures,
  failingSince: NOW - forMs,
  retryAfterSeconds: undefined,
});

const job = { id: 'j', status: 'running', updatedAt: new Date(NOW).toISOString() } as unknown as Job;
const snapshots = [makeSnapshot(job, null)];
const e401 = new UpstreamError('UNAUTHENTICATED', 'refused');
const e404 = new UpstreamError('NOT_FOUND', 'gone');
const e503 = new UpstreamError('UPSTREAM_UNAVAILABLE', 'down');
const redisDown = new Error('connect ECONNREFUSED 127.0.0.1:6379');

const claim: PollerEffect = { type: 'claim' };
const timer = (ms: number): PollerEffect => ({ type: 'set-timer', ms });
const dispose = (error?: Error): PollerEffect => ({ type: 'dispose', error });
const dropped: PollerEffect[] = [
  {
    type: 'log',
    level: 'debug',
    fields: { code: 'UNAUTHENTICATED' },
    message: 'live updates: a token was refused while polling; ending its subscriptions',
  },
  { type: 'drop-token', token: 'tok', error: e401 },
];
const backedOff = (error: unknown, failures: number): PollerEffect => ({
  type: 'log',
  level: 'warn',
  fields: { err: error, failures },
  message: 'live updates: poll failed; retrying with backoff',
});

type Row = [
  name: string,
  state: PollerState,
  event: PollerEvent,
  env: Partial<PollerEnv>,
  expected: { state: PollerState; effects: PollerEffect[] },
];

const rows: Row[] = [
  // Starting and ticking.
  [
    'listening: the first tick claims the lease',
    starting,
    { type: 'listening', reread: false },
    {},
    { state: ticking, effects: [claim] },
  ],
  ['the timer fires: tick', waiting, { type: 'timer' }, {}, { state: ticking, effects: [claim] }],
  [
    'the holder is found dead while waiting: the timer goes, claim now',
    waiting,
    { type: 'vacant' },
    {},
    { state: ticking, effects: [{ type: 'clear-timer' }, claim] },
  ],
  [
    'the holder is found dead during a tick: tick again after it',
    ticking,
    { type: 'vacant' },
    {},
    { state: woken, effects: [] },
  ],
  [
    'the holder is found dead while starting: the first tick claims anyway',
    starting,
    { type: 'vacant' },
    {},
    { state: starting, effects: [] },
  ],

  // The claim.
  [
    'the lease just taken: poll, publishing everything',
    ticking,
    { type: 'claimed', gained: true, held: true },
    {},
    { state: freshTick, effects: [{ type: 'poll', fresh: true }] },
  ],
  [
    'the lease already held: poll what changed',
    ticking,
    { type: 'claimed', gained: false, held: true },
    {},
    { state: ticking, effects: [{ type: 'poll', fresh: false }] },
  ],
  [
    'standby, re-check not due: wait a poll interval',
    ticking,
    { type: 'claimed', gained: false, held: false },
    {},
    { state: waiting, effects: [timer(RUNNING_MS)] },
  ],
  [
    'standby, re-check due: re-check one token now',
    ticking,
    { type: 'claimed', gained: false, held: false },
    { now: NOW + 60_000 },
    { state: { ...ticking, lastRecheck: NOW + 60_000 }, effects: [{ type: 'recheck', at: NOW + 60_000 }] },
  ],
  [
    'standby with four tokens, a quarter of the interval since the last re-check: re-check the next one',
    ticking,
    { type: 'claimed', gained: false, held: false },
    { now: NOW - 1_000 + 15_000, tokens: 4 },
    { state: { ...ticking, lastRecheck: NOW + 14_000 }, effects: [{ type: 'recheck', at: NOW + 14_000 }] },
  ],
  [
    'standby with four tokens, less than a quarter since: wait',
    ticking,
    { type: 'claimed', gained: false, held: false },
    { now: NOW - 1_000 + 14_999, tokens: 4 },
    { state: waiting, effects: [timer(RUNNING_MS)] },
  ],
  [
    'standby with re-checks off: wait',
    ticking,
    { type: 'claimed', gained: false, held: false },
    { now: NOW + 600_000, intervals: { ...env.intervals, standbyRecheckMs: 0 } },
    { state: waiting, effects: [timer(RUNNING_MS)] },
  ],

  // The poll and the publish.
  [
    'a change fetched: publish it',
    freshTick,
    { type: 'fetched', snapshots },
    {},
    { state: freshTick, effects: [{ type: 'publish', snapshots }] },
  ],
  [
    'nothing changed: wait, the outage (if any) over',
    { ...ticking, record: outage(2, 5_000) },
    { type: 'fetched', snapshots: [] },
    {},
    { state: waiting, effects: [timer(RUNNING_MS)] },
  ],
  [
    'published: deliver it, no longer fresh',
    freshTick,
    { type: 'published', ok: true, snapshots },
    {},
    { state: ticking, effects: [{ type: 'deliver', snapshots }] },
  ],
  [
    'publish refused (fenced): wait, the new holder publishes',
    ticking,
    { type: 'published', ok: false, snapshots },
    {},
    { state: waiting, effects: [timer(RUNNING_MS)] },
  ],
  [
    'delivered: wait a poll interval',
    ticking,
    { type: 'delivered' },
    {},
    { state: waiting, effects: [timer(RUNNING_MS)] },
  ],
  [
    'delivered, but woken meanwhile: tick again at once',
    woken,
    { type: 'delivered' },
    {},
    { state: ticking, effects: [claim] },
  ],
  [
    'delivered, and nothing more to poll (terminal): dispose',
    ticking,
    { type: 'delivered' },
    { baseDelayMs: null },
    { state: disposed, effects: [dispose()] },
  ],
  [
    'no live token left: wait',
    ticking,
    { type: 'no-credentials' },
    {},
    { state: waiting, effects: [timer(RUNNING_MS)] },
  ],

  // Failures.
  [
    'a token refused on a poll: end its subscribers, poll again with the next',
    freshTick,
    { type: 'fetch-failed', error: e401, token: 'tok' },
    {},
    { state: freshTick, effects: [...dropped, { type: 'poll', fresh: true }] },
  ],
  [
    'a token refused on a re-check: end its subscribers, then wait',
    ticking,
    { type: 'recheck-failed', error: e401, token: 'tok' },
    {},
    { state: waiting, effects: [...dropped, timer(RUNNING_MS)] },
  ],
  [
    'a re-check failing otherwise: ignored, wait',
    ticking,
    { type: 'recheck-failed', error: e503, token: 'tok' },
    {},
    { state: waiting, effects: [timer(RUNNING_MS)] },
  ],
  ['a re-check passed: wait', ticking, { type: 'rechecked' }, {}, { state: waiting, effects: [timer(RUNNING_MS)] }],
  [
    'the job is gone: dispose, ending everyone with it',
    ticking,
    { type: 'fetch-failed', error: e404, token: 'tok' },
    {},
    { state: disposed, effects: [dispose(e404)] },
  ],
  [
    'a first 503: back off (twice the interval)',
    ticking,
    { type: 'fetch-failed', error: e503, token: 'tok' },
    {},
    {
      state: {
        phase: 'waiting',
        ...progress,
        record: { failures: 1, failingSince: NOW, retryAfterSeconds: undefined },
      },
      effects: [backedOff(e503, 1), timer(4_000)],
    },
  ],
  [
    'Redis failing on the claim: back off the same way, logged as Redis’s failure',
    { ...ticking, record: outage(2, 6_000) },
    { type: 'failed', error: redisDown },
    {},
    {
      state: { phase: 'waiting', ...progress, record: outage(3, 6_000) },
      effects: [
        {
          type: 'log',
          level: 'warn',
          fields: { err: redisDown, failures: 3 },
          message: 'live updates: Redis failed (the poll lease could not be claimed); retrying with backoff',
        },
        timer(16_000),
      ],
    },
  ],
  [
    'a token refused outside a fetch: end everyone with it',
    ticking,
    { type: 'failed', error: e401 },
    {},
    { state: disposed, effects: [dispose(e401)] },
  ],

  // Ending.
  ['the topic finished: dispose', waiting, { type: 'finished' }, {}, { state: disposed, effects: [dispose()] }],
  ['the last member left: dispose', ticking, { type: 'emptied' }, {}, { state: disposed, effects: [dispose()] }],
  [
    'disposed from outside, with an error',
    starting,
    { type: 'dispose', error: e503 },
    {},
    { state: disposed, effects: [dispose(e503)] },
  ],
  ['an answer after disposal: ignored', disposed, { type: 'fetched', snapshots }, {}, { state: disposed, effects: [] }],
  ['disposing twice: nothing more', disposed, { type: 'dispose' }, {}, { state: disposed, effects: [] }],
  [
    'a tick answer outside a tick: ignored',
    waiting,
    { type: 'fetched', snapshots },
    {},
    { state: waiting, effects: [] },
  ],
];

describe('the shared poller’s transitions', () => {
  it.each(rows)('%s', (_name, state, event, overrides, expected) => {
    expect(pollerTransition(state, event, { ...env, ...overrides })).toEqual(expected);
  });

  it('starts listening, fresh and healthy, counting re-checks from its creation', () => {
    expect(initialPollerState(NOW)).toEqual({ phase: 'starting', fresh: false, record: HEALTHY, lastRecheck: NOW });
  });

  it('cannot listen: dispose with a coded SERVICE_UNAVAILABLE (Redis, not the upstream), logging why', () => {
    const step = pollerTransition(starting, { type: 'listen-failed', error: redisDown }, env);
    expect(step.state).toEqual(disposed);
    expect(step.effects).toEqual([
      { type: 'log', level: 'error', fields: { err: redisDown }, message: 'live updates: could not listen for events' },
      { type: 'dispose', error: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', cause: redisDown }) },
    ]);
  });

  it('gives up after giveUpAfterMs of failures, with the last error', () => {
    const step = pollerTransition(
      { ...ticking, record: outage(12, 300_000) },
      { type: 'fetch-failed', error: e503, token: 'tok' },
      env,
    );
    expect(step).toEqual({ state: disposed, effects: [dispose(e503)] });
  });
});
