/**
 * The shared poller's control state as a pure transition, `(state, event, env) → { state, effects }`:
 * no I/O, no timers, no clock. shared-poller.ts is the shell that runs the effects (timers from the
 * Clock, the lease, upstream calls, publishing, ending members) and turns their outcomes back into
 * events; test/subscriptions/poller-transition.spec.ts holds one row per transition.
 *
 * A poller starts by listening on its topic; then it ticks: it claims the lease if it does not hold it,
 * polls (as the holder) or re-checks a token (as a standby), and waits for the next tick. An event of a
 * tick that arrives in another phase (a late answer after disposal) changes nothing. What a failure
 * leads to is poll-failure-policy.ts's, when to poll again poll-delay.ts's. A wait ends early when the
 * lease holder is found dead (`vacant`), or when the upstream answers for the account elsewhere
 * (`answered`: a backoff, or a job the answer shows moved on; README.md, "After an outage").
 *
 * A publish that fails (Redis unreachable; not a refusal by the lease, which is fencing) is not the
 * upstream's failure: what was to go out is delivered to this instance's own subscribers at once,
 * and owed (`unpublished`) to the others, published before whatever the next poll finds, as soon as
 * a publish goes through (README.md, Failures).
 */
import { isUpstreamError } from '../upstream/errors.js';
import { LiveUpdatesUnavailableError } from './live-unavailable.js';
import { nextPollDelay } from './poll-delay.js';
import { decideAfterFailure, HEALTHY, type PollFailure } from './poll-failure-policy.js';
import type { PollerEffect, PollerEnv, PollerEvent, PollerState, PollerStep, Progress } from './poller-state.js';
import { abandoned, owed } from './poller-owed.js';

type Ticking = Extract<PollerState, { phase: 'ticking' }>;
type Live = Exclude<PollerState, { phase: 'disposed' }>;

const DISPOSED: PollerState = { phase: 'disposed' };
const UNAVAILABLE = 'Live updates are unavailable right now (Redis cannot be reached); subscribe again later.';

export function initialPollerState(now: number): PollerState {
  return { phase: 'starting', fresh: false, record: HEALTHY, lastRecheck: now };
}

export function pollerTransition(state: PollerState, event: PollerEvent, env: PollerEnv): PollerStep {
  if (state.phase === 'disposed') return { state, effects: [] };
  switch (event.type) {
    case 'dispose':
      return dispose(event.error, abandoned(state, 'the poller stopped'));
    case 'finished':
    case 'emptied':
      return dispose(undefined, abandoned(state, 'the poller stopped'));
    case 'listen-failed':
      // Redis (the listening) failed, not the upstream: the gateway's own code (live-unavailable.ts).
      return dispose(new LiveUpdatesUnavailableError(UNAVAILABLE, { cause: event.error }), [
        {
          type: 'log',
          level: 'error',
          fields: { err: event.error },
          message: 'live updates: could not listen for events',
        },
      ]);
    case 'vacant':
      return wake(state);
    case 'reconnected':
      // A holder that owes changes publishes them now. A standby of a topic whose last state Redis does
      // not keep (a list) reads it itself: what was published before it listened again is lost to it.
      if (event.reread) return wake({ ...state, reread: true });
      return state.unpublished?.length ? wake(state) : unchanged(state);
    case 'answered':
      return answered(state, event);
    case 'listening':
      // A list's standby reads it once (its seed, when recent: no call): listening may have come late.
      if (state.phase !== 'starting') return unchanged(state);
      return tick(event.reread ? { ...state, reread: true } : state);
    case 'timer':
      return state.phase === 'waiting' ? tick(state) : unchanged(state);
    default:
      return state.phase === 'ticking' ? duringTick(state, event, env) : unchanged(state);
  }
}

type TickEvent = Exclude<
  PollerEvent,
  {
    type:
      | 'dispose'
      | 'finished'
      | 'emptied'
      | 'listen-failed'
      | 'vacant'
      | 'reconnected'
      | 'answered'
      | 'listening'
      | 'timer';
  }
>;

function duringTick(state: Ticking, event: TickEvent, env: PollerEnv): PollerStep {
  switch (event.type) {
    case 'claimed': {
      const { reread, ...rest } = state;
      const next = { ...rest, fresh: state.fresh || event.gained };
      // The holder's own subscribers are current (it delivers what it polls): no read of its own.
      if (event.held) return { state: next, effects: [{ type: 'poll', fresh: next.fresh }] };
      if (reread) return { state, effects: [{ type: 'reread' }] };
      // Another instance polls now, and publishes the current state: what we owe can no longer go out.
      return recheckOrWait({ ...next, unpublished: undefined }, env, abandoned(state, 'another instance polls now'));
    }
    case 'fetched': {
      // Answered: the outage is over, and with it the early poll it spent (`answered`).
      const { spent: _over, ...rest } = state;
      const next = { ...rest, record: HEALTHY };
      const outgoing = owed([...(state.unpublished ?? []), ...event.snapshots]);
      if (outgoing.length === 0) return schedule({ ...next, fresh: false }, env);
      return { state: next, effects: [{ type: 'publish', snapshots: outgoing }] };
    }
    case 'published':
      // Refused (fenced): the new holder publishes. Owing changes, claim again at once: a Redis that
      // lost its keys (restarted empty) refuses for want of any lease, which the claim takes back.
      if (!event.ok) return schedule(state.unpublished?.length ? { ...state, woken: true } : state, env);
      return {
        state: { ...state, fresh: false, unpublished: undefined },
        effects: [{ type: 'deliver', snapshots: event.snapshots }],
      };
    case 'publish-failed': {
      const effects: PollerEffect[] = [];
      if (!state.unpublished?.length)
        effects.push({
          type: 'log',
          level: 'warn',
          fields: { err: event.error },
          message:
            "live updates: could not publish (Redis unreachable); this instance's subscribers get the changes, " +
            'the other instances get them once Redis is back',
        });
      const next = { ...state, unpublished: owed(event.snapshots) };
      return { state: next, effects: [...effects, { type: 'deliver', snapshots: event.snapshots }] };
    }
    case 'reread': {
      const { reread: _done, ...next } = state;
      if (event.snapshots.length === 0) return schedule(next, env);
      return { state: next, effects: [{ type: 'deliver', snapshots: event.snapshots }] };
    }
    case 'reread-failed':
      // Like a re-check's: the reread stays due, and is tried again at the next tick.
      return afterFailure(state, event.error, 'recheck', env, event.token);
    case 'fetch-failed':
      return afterFailure(state, event.error, 'poll', env, event.token);
    case 'failed':
      // The lease claim: Redis's failure, not the upstream's.
      return afterFailure(state, event.error, 'lease', env);
    case 'recheck-failed':
      return afterFailure(state, event.error, 'recheck', env, event.token);
    case 'no-credentials':
    case 'delivered':
    case 'rechecked':
      return schedule(state, env);
  }
}

/**
 * Without the lease this instance never polls, so its subscribers' tokens would be checked only when
 * they joined and at their `exp`: each is asked about again once per `standbyRecheckMs`, one token at
 * a time (round robin), the re-checks spread over the interval (at most one a turn: with more tokens
 * than turns in the interval, a token waits as many turns as there are tokens, as the holder's polls do).
 * One token per interval in all left a revoked token's subscriptions running for as many intervals as
 * the standby had tokens.
 */
function recheckOrWait(state: Ticking, env: PollerEnv, before: PollerEffect[] = []): PollerStep {
  const every = env.intervals.standbyRecheckMs / Math.max(1, env.tokens);
  if (every === 0 || env.now - state.lastRecheck < every) return schedule(state, env, before);
  return { state: { ...state, lastRecheck: env.now }, effects: [...before, { type: 'recheck', at: env.now }] };
}

/**
 * The upstream answered for the account elsewhere (README.md, "After an outage"): a holder waiting
 * out a backoff polls at once, and so does a healthy one that the answer shows behind (the job moved
 * on since its last poll). A tick under way answers anyway; a standby does not poll. Not cut short: a
 * wait the upstream asked for (Retry-After), and any wait after a woken poll, until a poll succeeds
 * (`spent`): one early poll per outage at most, and the outage's record goes on (its backoff grows,
 * `giveUpAfterMs` counts from its start).
 */
function answered(state: Live, { ahead, held }: { ahead: boolean; held: boolean }): PollerStep {
  if (state.phase !== 'waiting' || !held || state.spent) return unchanged(state);
  const { failures, retryAfterFromUpstream } = state.record;
  const due = failures > 0 ? !retryAfterFromUpstream : ahead;
  return due ? wake(state, true) : unchanged(state);
}

/**
 * Claim now: at once when waiting, right after the tick under way when ticking. `byAnswer`: the wake
 * spends the outage's one early poll (`answered`).
 */
function wake(state: Live, byAnswer = false): PollerStep {
  if (state.phase === 'waiting') return tick(state, [{ type: 'clear-timer' }], byAnswer);
  if (state.phase === 'ticking') return { state: { ...state, woken: true }, effects: [] };
  // Starting: no claim was made yet, so no holder is watched; the first tick claims anyway.
  return unchanged(state);
}

function afterFailure(
  state: Ticking,
  error: unknown,
  step: PollFailure['during'] | 'lease',
  env: PollerEnv,
  token?: string,
): PollerStep {
  const { giveUpAfterMs } = env.intervals;
  const during = step === 'lease' ? 'poll' : step;
  const decision = decideAfterFailure({ error, during, record: state.record, now: env.now, giveUpAfterMs });
  switch (decision.action) {
    case 'drop-token': {
      // A token refused outside a fetch (never, today) would still end only what it must: everything.
      if (token === undefined) return dispose(decision.error);
      const effects: PollerEffect[] = [
        {
          type: 'log',
          level: 'debug',
          fields: { code: decision.error.code },
          message: 'live updates: a token was refused while polling; ending its subscriptions',
        },
        { type: 'drop-token', token, error: decision.error },
      ];
      // A refused poll is retried at once with the next token; a refused re-check waits for the next tick.
      if (during === 'poll') return { state, effects: [...effects, { type: 'poll', fresh: state.fresh }] };
      return schedule(state, env, effects);
    }
    case 'end':
      if (step !== 'lease' || isUpstreamError(error)) return dispose(decision.error);
      return dispose(new LiveUpdatesUnavailableError(UNAVAILABLE, { cause: error }));
    case 'back-off': {
      const next = { ...state, record: decision.record };
      const fields = { err: error, failures: decision.record.failures };
      const message =
        step === 'lease'
          ? 'live updates: Redis failed (the poll lease could not be claimed); retrying with backoff'
          : 'live updates: poll failed; retrying with backoff';
      return schedule(next, env, [{ type: 'log', level: 'warn', fields, message }]);
    }
    case 'ignore':
      return schedule(state, env);
  }
}

/** The tick is over: dispose when nothing more is to be polled, tick again if woken, else set the timer. */
function schedule(state: Ticking, env: PollerEnv, before: PollerEffect[] = []): PollerStep {
  const { failures, retryAfterSeconds } = state.record;
  const delay = nextPollDelay({
    baseMs: env.baseDelayMs,
    failures,
    retryAfterSeconds,
    maxBackoffMs: env.intervals.maxBackoffMs,
  });
  if (delay === null) return dispose(undefined, before);
  if (state.woken) return tick(state, before);
  return {
    state: { phase: 'waiting', ...progressOf(state) },
    effects: [...before, { type: 'set-timer', ms: delay }],
  };
}

function tick(state: Live, before: PollerEffect[] = [], byAnswer = false): PollerStep {
  const progress = progressOf(state);
  return {
    state: { phase: 'ticking', woken: false, ...progress, ...(byAnswer ? { spent: true as const } : {}) },
    effects: [...before, { type: 'claim' }],
  };
}

function progressOf({ fresh, record, lastRecheck, unpublished, spent, reread }: Live): Progress {
  const progress: Progress = unpublished?.length
    ? { fresh, record, lastRecheck, unpublished }
    : { fresh, record, lastRecheck };
  return { ...progress, ...(spent ? { spent } : {}), ...(reread ? { reread } : {}) };
}

function dispose(error?: Error, before: PollerEffect[] = []): PollerStep {
  return { state: DISPOSED, effects: [...before, { type: 'dispose', error }] };
}

function unchanged(state: PollerState): PollerStep {
  return { state, effects: [] };
}
