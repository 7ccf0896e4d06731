/**
 * The shared poller's state, the events that move it, the effects it asks of its shell and what the
 * shell tells it of the world: the vocabulary of poller-transition.ts (the transition itself) and
 * shared-poller.ts (the shell that runs the effects).
 */
import type { UpstreamError } from '../upstream/errors.js';
import type { Intervals } from './options.js';
import type { FailureRecord } from './poll-failure-policy.js';
import type { JobSnapshot } from './snapshot.js';

/** What a live poller carries from tick to tick. */
export interface Progress {
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
  /**
   * An answer for the account elsewhere (`answered`) cut a wait short, and no poll has succeeded
   * since: the next answers do not, so a poller whose woken poll fails again keeps its backoff until
   * a poll succeeds. Absent otherwise.
   */
  spent?: true;
  /**
   * Redis came back after an outage and this instance keeps no last state of the topic (a list: Redis
   * keeps none), so what the holder published while this instance was not listening is lost to it:
   * unless it holds the lease, it reads the topic once itself for its own subscribers (`reread`).
   * Kept until that read succeeds. Absent otherwise.
   */
  reread?: true;
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
  /**
   * Listening started and the last state was read. `reread`: Redis keeps no last state of this topic
   * (a list), so what was published before this instance listened is read by the standby itself.
   */
  | { type: 'listening'; reread: boolean }
  | { type: 'listen-failed'; error: unknown }
  /** The timer of the next tick fired. */
  | { type: 'timer' }
  /** The transport found the lease's holder dead: claim now. */
  | { type: 'vacant' }
  /**
   * Redis is reachable again after an outage (the transport listens again and read the last state).
   * `reread`: Redis keeps no last state of this topic (a list), so a standby must read it itself.
   */
  | { type: 'reconnected'; reread: boolean }
  /**
   * The upstream answered for this poller's account elsewhere: a list poll, another job's poll, a
   * subscriber's access check (account-answers.ts). `ahead`: that answer shows the job in a later
   * status than this poller last delivered. `held`: this instance holds the lease (only the holder polls).
   */
  | { type: 'answered'; ahead: boolean; held: boolean }
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
  /** The standby's own read after a reconnection (`reread`) answered these snapshots: the topic's whole state. */
  | { type: 'reread'; snapshots: readonly JobSnapshot[] }
  /** That read, made with `token`, failed. */
  | { type: 'reread-failed'; error: unknown; token: string }
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
  /** Read the whole topic with the next token of the pool, for this instance only → `reread`, `reread-failed` or `no-credentials`. */
  | { type: 'reread' }
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
  /** How many distinct tokens the poller's members hold: on a standby, each is re-checked once per `standbyRecheckMs`. */
  tokens: number;
}

export interface PollerStep {
  state: PollerState;
  effects: PollerEffect[];
}
