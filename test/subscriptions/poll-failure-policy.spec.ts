/**
 * What a shared poller does after a failed call, one row per case: the policy is a pure function,
 * so each row states the whole input (error, where it happened, the outage so far) and the decision.
 */
import { describe, expect, it } from 'vitest';
import {
  decideAfterFailure,
  HEALTHY,
  type FailureRecord,
  type PollFailure,
} from '../../src/live/poll-failure-policy.js';
import { UpstreamError, type UpstreamErrorCode } from '../../src/upstream/errors.js';

const NOW = 1_000_000;
const GIVE_UP = 300_000;
const upstream = (code: UpstreamErrorCode, retryAfterSeconds?: number) =>
  new UpstreamError(code, `upstream said ${code}`, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
const failing = (failures: number, forMs: number, retryAfterSeconds?: number): FailureRecord => ({
  failures,
  failingSince: NOW - forMs,
  retryAfterSeconds,
});

type Row = [
  name: string,
  error: unknown,
  during: PollFailure['during'],
  record: FailureRecord,
  expected: ReturnType<typeof decideAfterFailure>,
];

const redisDown = new Error('connect ECONNREFUSED 127.0.0.1:6379');
const e401 = upstream('UNAUTHENTICATED');
const e403 = upstream('FORBIDDEN');
const e404 = upstream('NOT_FOUND');
const e400 = upstream('BAD_USER_INPUT');
const e409 = upstream('CONFLICT');
const e402 = upstream('INSUFFICIENT_CREDIT');
const e503 = upstream('UPSTREAM_UNAVAILABLE');
const e502 = upstream('UPSTREAM_ERROR');
const e429 = upstream('RATE_LIMITED', 7);

const rows: Row[] = [
  ['a token refused (401): rotate to the next token', e401, 'poll', HEALTHY, { action: 'drop-token', error: e401 }],
  ['a token refused (403): rotate to the next token', e403, 'poll', HEALTHY, { action: 'drop-token', error: e403 }],
  [
    'a token refused during an outage: still only that token',
    e401,
    'poll',
    failing(3, 60_000),
    { action: 'drop-token', error: e401 },
  ],
  ['a token refused on a standby re-check', e403, 'recheck', HEALTHY, { action: 'drop-token', error: e403 }],
  ['the job is gone (404): end everyone with it', e404, 'poll', HEALTHY, { action: 'end', error: e404 }],
  ['the request is refused (400): end everyone with it', e400, 'poll', HEALTHY, { action: 'end', error: e400 }],
  ['a conflict (409): end everyone with it', e409, 'poll', failing(1, 10), { action: 'end', error: e409 }],
  ['no credit: end everyone with it', e402, 'poll', HEALTHY, { action: 'end', error: e402 }],
  [
    'a first 503: back off, the outage starts now',
    e503,
    'poll',
    HEALTHY,
    { action: 'back-off', record: { failures: 1, failingSince: NOW, retryAfterSeconds: undefined } },
  ],
  [
    'another 502 during an outage: back off further',
    e502,
    'poll',
    failing(2, 10_000),
    { action: 'back-off', record: { failures: 3, failingSince: NOW - 10_000, retryAfterSeconds: undefined } },
  ],
  [
    'a 429 with Retry-After: back off, keeping what it asked',
    e429,
    'poll',
    HEALTHY,
    { action: 'back-off', record: { failures: 1, failingSince: NOW, retryAfterSeconds: 7 } },
  ],
  [
    "the upstream's own 429 with Retry-After: recorded as asked by the upstream (no answer elsewhere cuts it short)",
    new UpstreamError('RATE_LIMITED', 'slow down', { status: 429, retryAfterSeconds: 7 }),
    'poll',
    HEALTHY,
    {
      action: 'back-off',
      record: { failures: 1, failingSince: NOW, retryAfterSeconds: 7, retryAfterFromUpstream: true },
    },
  ],
  [
    "the circuit breaker's refusal (no answer, its own Retry-After): not the upstream's word",
    upstream('UPSTREAM_UNAVAILABLE', 12),
    'poll',
    failing(4, 20_000),
    { action: 'back-off', record: { failures: 5, failingSince: NOW - 20_000, retryAfterSeconds: 12 } },
  ],
  [
    'a 503 after a 429: the old Retry-After is forgotten',
    e503,
    'poll',
    failing(1, 7_000, 7),
    { action: 'back-off', record: { failures: 2, failingSince: NOW - 7_000, retryAfterSeconds: undefined } },
  ],
  [
    'Redis failing (not an upstream error): back off',
    redisDown,
    'poll',
    HEALTHY,
    { action: 'back-off', record: { failures: 1, failingSince: NOW, retryAfterSeconds: undefined } },
  ],
  [
    'just short of giveUpAfterMs: still back off',
    e503,
    'poll',
    failing(9, GIVE_UP - 1),
    { action: 'back-off', record: { failures: 10, failingSince: NOW - GIVE_UP + 1, retryAfterSeconds: undefined } },
  ],
  [
    'failing for giveUpAfterMs: end everyone with the last upstream error',
    e502,
    'poll',
    failing(10, GIVE_UP),
    { action: 'end', error: e502 },
  ],
  [
    'failing for giveUpAfterMs on a non-upstream error: end everyone with UPSTREAM_UNAVAILABLE, naming the time',
    redisDown,
    'poll',
    failing(10, GIVE_UP),
    {
      action: 'end',
      error: expect.objectContaining({
        code: 'UPSTREAM_UNAVAILABLE',
        message: 'Live updates stopped: the upstream could not be polled for 300 s.',
        cause: redisDown,
      }),
    },
  ],
  [
    "a standby re-check that fails otherwise (503): the holder's to handle",
    e503,
    'recheck',
    HEALTHY,
    { action: 'ignore' },
  ],
  ["a standby re-check answered 404: the holder's to handle", e404, 'recheck', HEALTHY, { action: 'ignore' }],
  [
    'a standby re-check failing on a non-upstream error',
    redisDown,
    'recheck',
    failing(10, GIVE_UP),
    { action: 'ignore' },
  ],
];

describe('the poll-failure policy', () => {
  it.each(rows)('%s', (_name, error, during, record, expected) => {
    expect(decideAfterFailure({ error, during, record, now: NOW, giveUpAfterMs: GIVE_UP })).toEqual(expected);
  });

  it('decides the same for the same input (no hidden state)', () => {
    const input: PollFailure = {
      error: e503,
      during: 'poll',
      record: failing(2, 5_000),
      now: NOW,
      giveUpAfterMs: GIVE_UP,
    };
    expect(decideAfterFailure(input)).toEqual(decideAfterFailure(input));
    expect(input.record).toEqual(failing(2, 5_000));
  });
});
