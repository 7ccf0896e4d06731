/**
 * What a call does after one attempt, one row per case: the decision is a pure function, so each
 * row states the whole input (how the attempt ended, where the call stands) and the decision.
 */
import { describe, expect, it } from 'vitest';
import {
  decideAfterAttempt,
  type AttemptResult,
  type CallProgress,
  type RetryDecision,
} from '../../src/upstream/retry-decision.js';

const NOW = 1_000_000;
/** A call on its first of three attempts, nothing lost yet, 10 s left, a 150 ms backoff, Retry-After waited up to 5 s. */
const FIRST: CallProgress = {
  attempt: 1,
  maxAttempts: 3,
  lostAttempt: false,
  backoffMs: 150,
  maxRetryAfterMs: 5_000,
  now: NOW,
  deadlineAt: NOW + 10_000,
  acceptAfterLostAttempt: undefined,
};
const at = (changes: Partial<CallProgress>): CallProgress => ({ ...FIRST, ...changes });
const answer = (status: number, retryAfterSeconds?: number): AttemptResult => ({
  kind: 'answered',
  status,
  accepted: status >= 200 && status < 300,
  retryAfterSeconds,
});
const lost = (failure: 'connect' | 'transport' | 'other', timedOut = false): AttemptResult => ({
  kind: 'lost',
  failure,
  timedOut,
});
const redirect: AttemptResult = { kind: 'answered', status: 302, accepted: true, retryAfterSeconds: undefined };

type Row = [name: string, result: AttemptResult, progress: CallProgress, expected: RetryDecision];

const rows: Row[] = [
  ['a 200: accepted', answer(200), FIRST, { action: 'accept', lostAttempt: false }],
  ['a status the exchange accepts (redirect)', redirect, FIRST, { action: 'accept', lostAttempt: false }],
  [
    'a 200 after a lost attempt: accepted, and says so',
    answer(200),
    at({ attempt: 2, lostAttempt: true }),
    { action: 'accept', lostAttempt: true },
  ],
  [
    "DELETE's 404 after a lost attempt: maybe our own, accepted",
    answer(404),
    at({ attempt: 2, lostAttempt: true, acceptAfterLostAttempt: 404 }),
    { action: 'accept', lostAttempt: true },
  ],
  [
    "DELETE's 404 with nothing lost: a real refusal",
    answer(404),
    at({ acceptAfterLostAttempt: 404 }),
    { action: 'fail', lostAttempt: false },
  ],
  ['a 400: refused, never repeated', answer(400), FIRST, { action: 'fail', lostAttempt: false }],
  [
    'a 500: tried again once after the backoff (the service may have acted: lost)',
    answer(500),
    FIRST,
    { action: 'retry', delayMs: 150, lostAttempt: true },
  ],
  [
    'a 500 on the second attempt: not tried a third time (it may be a request it cannot handle)',
    answer(500),
    at({ attempt: 2, lostAttempt: true }),
    { action: 'fail', lostAttempt: true },
  ],
  ['a 500 on an exchange never repeated', answer(500), at({ maxAttempts: 1 }), { action: 'fail', lostAttempt: false }],
  ['a 501: refused by nature, never repeated', answer(501), FIRST, { action: 'fail', lostAttempt: false }],
  ['a 503: retried after the backoff', answer(503), FIRST, { action: 'retry', delayMs: 150, lostAttempt: false }],
  ['a 429: retried after the backoff', answer(429), FIRST, { action: 'retry', delayMs: 150, lostAttempt: false }],
  [
    'a 429 with Retry-After: retried after what it asked',
    answer(429, 2),
    FIRST,
    { action: 'retry', delayMs: 2_000, lostAttempt: false },
  ],
  [
    'a Retry-After longer than the client waits out: fail now (the caller is told when to retry)',
    answer(429, 7),
    FIRST,
    { action: 'fail', lostAttempt: false },
  ],
  [
    'a Retry-After of exactly what the client waits out: retried after it',
    answer(503, 5),
    FIRST,
    { action: 'retry', delayMs: 5_000, lostAttempt: false },
  ],
  ['a Retry-After of 0: retried at once', answer(503, 0), FIRST, { action: 'retry', delayMs: 0, lostAttempt: false }],
  [
    'a 502: retried, the attempt may have acted',
    answer(502),
    FIRST,
    { action: 'retry', delayMs: 150, lostAttempt: true },
  ],
  [
    'a 504: retried, the attempt may have acted',
    answer(504),
    FIRST,
    { action: 'retry', delayMs: 150, lostAttempt: true },
  ],
  [
    'a 503 on the last attempt: fail, keeping what was lost before',
    answer(503),
    at({ attempt: 3, lostAttempt: true }),
    { action: 'fail', lostAttempt: true },
  ],
  [
    'a 503 on an exchange never repeated: fail',
    answer(503),
    at({ maxAttempts: 1 }),
    { action: 'fail', lostAttempt: false },
  ],
  [
    'a Retry-After that reaches the deadline: fail now, the 502 counted',
    answer(502, 10),
    FIRST,
    { action: 'fail', lostAttempt: true },
  ],
  [
    'a backoff ending exactly at the deadline: fail now',
    answer(503),
    at({ deadlineAt: NOW + 150 }),
    { action: 'fail', lostAttempt: false },
  ],
  [
    'a backoff ending just before the deadline: retried',
    answer(503),
    at({ deadlineAt: NOW + 151 }),
    { action: 'retry', delayMs: 150, lostAttempt: false },
  ],
  [
    'a refused connect: retried, nothing was sent',
    lost('connect'),
    FIRST,
    { action: 'retry', delayMs: 150, lostAttempt: false },
  ],
  [
    'a reset connection: retried, the attempt may have acted',
    lost('transport'),
    FIRST,
    { action: 'retry', delayMs: 150, lostAttempt: true },
  ],
  ['not a network failure: fail at once', lost('other'), FIRST, { action: 'fail', lostAttempt: false }],
  ['the deadline ended the exchange: fail', lost('transport', true), FIRST, { action: 'fail', lostAttempt: false }],
  [
    'the deadline ended a request still queued: fail',
    lost('connect', true),
    at({ lostAttempt: true }),
    { action: 'fail', lostAttempt: true },
  ],
  ['a reset on the last attempt: fail', lost('transport'), at({ attempt: 3 }), { action: 'fail', lostAttempt: false }],
  [
    'a reset whose backoff would pass the deadline: fail, the reset counted',
    lost('transport'),
    at({ deadlineAt: NOW + 100 }),
    { action: 'fail', lostAttempt: true },
  ],
];

describe('decideAfterAttempt', () => {
  it.each(rows)('%s', (_, result, progress, expected) => {
    expect(decideAfterAttempt(result, progress)).toEqual(expected);
  });
});
