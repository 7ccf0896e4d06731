/**
 * The shared poller's control state as a pure transition, `(state, event, env) → { state, effects }`:
 * no I/O, no timers, no clock. shared-poller.ts is the shell that runs the effects (timers from the
 * Clock, the lease, upstream calls, publishing, ending members) and turns their outcomes back into
 * events; test/subscriptions/poller-transition.spec.ts holds one row per transition.
 *
 * A poller starts by listening on its topic; then it ticks: it claims the lease if it does not hold it,
 * polls (as the holder) or re-checks a token (as a standby), and waits for the next tick. An event of a
 * tick that arrives in another phase (a late answer after disposal) changes nothing. What a failure
 * leads to is poll-failure-policy.ts's, when to poll again poll-delay.ts's.
 *
 * A publish that fails (Redis unreachable; not a refusal by the lease, which is fencing) is not the
 * upstream's failure: what was to go out is delivered to this instance's own subscribers at once,
 * and owed (`unpublished`) to the others, published before whatever the next poll finds, as soon as
 * a publish goes through (README.md, Failures).
 */
import { UpstreamError } from '../upstream/errors.js';
import type { Intervals } from './options.js';
import { nextPollDelay } from './poll-delay.js';
import { decideAfterFailure, HEALTHY, type FailureRecord, type PollFailure } from './poll-failure-policy.js';
import type { JobSnapshot } from './snapshot.js';

/** What a live poller carries from tick to tick. */
interface Progress {
  /** The lease was just taken: the next poll publishes everything, not only what changed. */
  fresh: boolean;
  /** The outage in progress, if any. */
  record: FailureRecord;
  /** When a standby last re-checked a token (ms since the epoch). */
  lastRecheck: number;
  /**
   * What this holder delivered to its own subscribers but could not publish (Redis unreachable),
   * oldest first, one snapshot per job and status (`owed`); absent or empty when nothing is owed.
   */
  unpublished?: readonly JobSnapshot[] | undefined;
}

export type PollerState =
  /** Listening on the topic and reading its last state. */
  | ({ phase: 'starting' } & Progress)
  /** A tick under way: the lease claim, then a poll or a standby re-check. `woken`: tick again right after it. */
  | ({ phase: 'ticking'; woken: boolean } & Progress)
  /** A timer is set for the next tick. */
  | ({ phase: 'waiting' } & Progress)
  /** Stopped for good: every event is ignored. */
  | { phase: 'disposed' };

export type PollerEvent =
  /** Listening started and the last state was read. */
  | { type: 'listening' }
  | { type: 'listen-failed'; error: unknown }
  /** The timer of the next tick fired. */
  | { type: 'timer' }
  /** The transport found the lease's holder dead: claim now. */
  | { type: 'vacant' }
  /** Redis is reachable again after an outage (the transport listens again and read the last state). */
  | { type: 'reconnected' }
  /** The claim step ended: `gained` the lease just now; `held` it after the step. */
  | { type: 'claimed'; gained: boolean; held: boolean }
  /** No subscriber has a live token to poll with (the expired ones are being ended by their own timers). */
  | { type: 'no-credentials' }
  | { type: 'fetched'; snapshots: readonly JobSnapshot[] }
  /** The fetch made with `token` failed. */
  | { type: 'fetch-failed'; error: unknown; token: string }
  /** `ok`: published; false: the lease went to another instance meanwhile, which publishes instead. */
  | { type: 'published'; ok: boolean; snapshots: readonly JobSnapshot[] }
  /** The publish of `snapshots` failed (Redis unreachable): nothing went out. */
  | { type: 'publish-failed'; error: unknown; snapshots: readonly JobSnapshot[] }
  /** What was published was handed to the strategy (and through it to the members). */
  | { type: 'delivered' }
  /** The standby re-check ended (or had no token to check). */
  | { type: 'rechecked' }
  | { type: 'recheck-failed'; error: unknown; token: string }
  /** The lease claim failed. */
  | { type: 'failed'; error: unknown }
  /** The strategy says the topic is finished (a terminal snapshot was delivered). */
  | { type: 'finished' }
  /** The last member left, or was ended. */
  | { type: 'emptied' }
  | { type: 'dispose'; error?: Error | undefined };

export type PollerEffect =
  /** Claim the lease unless held → `claimed` or `failed`. */
  | { type: 'claim' }
  /** Fetch with the next token of the pool → `fetched`, `fetch-failed` or `no-credentials`. */
  | { type: 'poll'; fresh: boolean }
  /** Publish as the lease holder → `published` or `publish-failed`. */
  | { type: 'publish'; snapshots: readonly JobSnapshot[] }
  /** Hand the snapshots to the strategy (which may answer `finished`) → `delivered`. */
  | { type: 'deliver'; snapshots: readonly JobSnapshot[] }
  /** Ask the upstream about the next token of the pool, as of `at` → `rechecked` or `recheck-failed`. */
  | { type: 'recheck'; at: number }
  /** End the members holding `token` with `error` (→ `emptied` when none is left). */
  | { type: 'drop-token'; token: string; error: UpstreamError }
  | { type: 'set-timer'; ms: number }
  | { type: 'clear-timer' }
  | { type: 'log'; level: 'debug' | 'warn' | 'error'; fields: object; message: string }
  /** Stop listening, abort calls, end every member (completed, or failed with `error`) and release the lease. */
  | { type: 'dispose'; error?: Error | undefined };

/** What the transition reads of the world, given by the shell with each event. */
export interface PollerEnv {
  now: number;
  /** The strategy's healthy poll interval now, or null when nothing more is to be polled. */
  baseDelayMs: number | null;
  intervals: Pick<Intervals, 'maxBackoffMs' | 'giveUpAfterMs' | 'standbyRecheckMs'>;
}

export interface PollerStep {
  state: PollerState;
  effects: PollerEffect[];
}

type Ticking = Extract<PollerState, { phase: 'ticking' }>;
type Live = Exclude<PollerState, { phase: 'disposed' }>;

const DISPOSED: PollerState = { phase: 'disposed' };

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
      return dispose(
        new UpstreamError('UPSTREAM_UNAVAILABLE', 'Live updates are unavailable right now; subscribe again later.', {
          cause: event.error,
        }),
        [
          {
            type: 'log',
            level: 'error',
            fields: { err: event.error },
            message: 'live updates: could not listen for events',
          },
        ],
      );
    case 'vacant':
      return wake(state);
    case 'reconnected':
      // Only a holder that owes changes has something to publish now; the others' last state is current.
      return state.unpublished?.length ? wake(state) : unchanged(state);
    case 'listening':
      return state.phase === 'starting' ? tick(state) : unchanged(state);
    case 'timer':
      return state.phase === 'waiting' ? tick(state) : unchanged(state);
    default:
      return state.phase === 'ticking' ? duringTick(state, event, env) : unchanged(state);
  }
}

type TickEvent = Exclude<
  PollerEvent,
  { type: 'dispose' | 'finished' | 'emptied' | 'listen-failed' | 'vacant' | 'reconnected' | 'listening' | 'timer' }
>;

function duringTick(state: Ticking, event: TickEvent, env: PollerEnv): PollerStep {
  switch (event.type) {
    case 'claimed': {
      const next = { ...state, fresh: state.fresh || event.gained };
      if (event.held) return { state: next, effects: [{ type: 'poll', fresh: next.fresh }] };
      // Another instance polls now, and publishes the current state: what we owe can no longer go out.
      return recheckOrWait({ ...next, unpublished: undefined }, env, abandoned(state, 'another instance polls now'));
    }
    case 'fetched': {
      const next = { ...state, record: HEALTHY };
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
    case 'fetch-failed':
      return afterFailure(state, event.error, 'poll', env, event.token);
    case 'failed':
      return afterFailure(state, event.error, 'poll', env);
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
 * they joined and at their `exp`: now and then, one of them (round robin) is asked about again.
 */
function recheckOrWait(state: Ticking, env: PollerEnv, before: PollerEffect[] = []): PollerStep {
  const every = env.intervals.standbyRecheckMs;
  if (every === 0 || env.now - state.lastRecheck < every) return schedule(state, env, before);
  return { state: { ...state, lastRecheck: env.now }, effects: [...before, { type: 'recheck', at: env.now }] };
}

/**
 * `snapshots` (oldest first) as owed to the other instances: the latest of each job and status, in
 * the order first seen. Every status a job went through is kept, and where it is now; the bound is
 * the number of statuses per job, however long Redis stays away.
 */
function owed(snapshots: readonly JobSnapshot[]): JobSnapshot[] {
  const byJobAndStatus = new Map<string, JobSnapshot>();
  for (const snapshot of snapshots)
    byJobAndStatus.set(JSON.stringify([snapshot.job.id, snapshot.job.status]), snapshot);
  return [...byJobAndStatus.values()];
}

/** Says so when owed changes are given up (`why`): they reached this instance's subscribers only. */
function abandoned(state: Live, why: string): PollerEffect[] {
  const changes = state.unpublished?.length ?? 0;
  if (changes === 0) return [];
  return [
    {
      type: 'log',
      level: 'warn',
      fields: { changes },
      message: `live updates: changes seen while Redis could not be reached were delivered on this instance only (${why})`,
    },
  ];
}

/** Claim now: at once when waiting, right after the tick under way when ticking. */
function wake(state: Live): PollerStep {
  if (state.phase === 'waiting') return tick(state, [{ type: 'clear-timer' }]);
  if (state.phase === 'ticking') return { state: { ...state, woken: true }, effects: [] };
  // Starting: no claim was made yet, so no holder is watched; the first tick claims anyway.
  return unchanged(state);
}

function afterFailure(
  state: Ticking,
  error: unknown,
  during: PollFailure['during'],
  env: PollerEnv,
  token?: string,
): PollerStep {
  const { giveUpAfterMs } = env.intervals;
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
      return dispose(decision.error);
    case 'back-off': {
      const next = { ...state, record: decision.record };
      const fields = { err: error, failures: decision.record.failures };
      const message = 'live updates: poll failed; retrying with backoff';
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

function tick(state: Live, before: PollerEffect[] = []): PollerStep {
  return {
    state: { phase: 'ticking', woken: false, ...progressOf(state) },
    effects: [...before, { type: 'claim' }],
  };
}

function progressOf({ fresh, record, lastRecheck, unpublished }: Live): Progress {
  return unpublished?.length ? { fresh, record, lastRecheck, unpublished } : { fresh, record, lastRecheck };
}

function dispose(error?: Error, before: PollerEffect[] = []): PollerStep {
  return { state: DISPOSED, effects: [...before, { type: 'dispose', error }] };
}

function unchanged(state: PollerState): PollerStep {
  return { state, effects: [] };
}
