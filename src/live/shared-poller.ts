/**
 * One poller per topic (a job, or an organization's job list) per instance, shared by all of the
 * instance's subscribers to it. It polls only while it holds the topic's lease (always, in-process;
 * with Redis, one instance at a time), with the credentials of one of its own subscribers at a
 * time (see credential-pool.ts and the design notes in README.md), and publishes what changed; every
 * instance's poller, this one included, delivers what it receives to its own subscribers. An
 * instance without the lease retries taking it every interval, and at once when the transport finds
 * the holder dead (`onVacant`), so that when the holder stops or dies, one of the instances that
 * still have subscribers takes over.
 *
 * What to fetch, what counts as a change and when the topic is finished are the strategy's
 * (job-strategy.ts, list-strategy.ts); what a failure leads to is poll-failure-policy.ts's; leases,
 * scheduling and shutdown are here.
 */
import { UpstreamError } from '../upstream/errors.js';
import type { Credentials } from '../upstream/types.js';
import type { Clock } from './clock.js';
import { createCredentialPool, type PoolMember } from './credential-pool.js';
import type { Intervals, LiveUpdatesLogger } from './options.js';
import { nextPollDelay } from './poll-delay.js';
import { decideAfterFailure, HEALTHY, type PollFailure } from './poll-failure-policy.js';
import type { JobSnapshot } from './snapshot.js';
import type { Topic, Transport } from './transport.js';

export interface PollerMember extends PoolMember {
  /** Hands a snapshot to the subscriber (it filters and dedupes as it needs). */
  deliver(snapshot: JobSnapshot): void;
  /** Ends the subscription: completes it, or fails it with `error`. */
  end(error?: Error): void;
}

export interface PollStrategy {
  /**
   * Reads the topic's current state with `creds` and returns the snapshots to publish: what changed,
   * or everything when `fresh` (first poll since taking the lease: the previous holder's last
   * messages may not have reached every instance). Throws the client's UpstreamError.
   */
  fetch(creds: Credentials, signal: AbortSignal, fresh: boolean): Promise<JobSnapshot[]>;
  /** Takes in snapshots from any instance, hands what is new to `members`; true when the topic is finished. */
  receive(snapshots: readonly JobSnapshot[], members: ReadonlySet<PollerMember>): boolean;
  /** Gives a joining member what it must see first, if anything. */
  welcome(member: PollerMember): void;
  /** The healthy poll interval now, or null when nothing more is to be polled. */
  baseDelay(): number | null;
  /** Asks the upstream whether `creds` may still see the topic, reading as little as it can; throws the client's UpstreamError. */
  verify(creds: Credentials, signal: AbortSignal): Promise<void>;
}

export interface SharedPoller {
  join(member: PollerMember): void;
  leave(member: PollerMember): void;
  /** Stops polling, releases the lease and ends every member (completed, or failed with `error`). */
  dispose(error?: Error): Promise<void>;
}

export interface SharedPollerOptions {
  topic: Topic;
  strategy: PollStrategy;
  transport: Transport;
  intervals: Intervals;
  clock: Clock;
  logger: LiveUpdatesLogger;
  /** Called once, synchronously, when the poller starts disposing: the registry forgets it then. */
  onDisposed: () => void;
}

export function createSharedPoller(opts: SharedPollerOptions): SharedPoller {
  const { topic, strategy, transport, clock, logger } = opts;
  const members = new Set<PollerMember>();
  const pool = createCredentialPool<PollerMember>();
  const lease = transport.lease(topic, () => wake());
  const abort = new AbortController();
  const cleanups: Array<() => void> = [];
  let disposed: Promise<void> | undefined;
  let timer: unknown;
  let woken = false;
  let fresh = false;
  let record = HEALTHY;
  let lastRecheck = clock.now();
  const decide = (error: unknown, during: PollFailure['during']) =>
    decideAfterFailure({ error, during, record, now: clock.now(), giveUpAfterMs: opts.intervals.giveUpAfterMs });

  const receive = (snapshots: readonly JobSnapshot[]) => {
    if (disposed) return;
    if (strategy.receive(snapshots, members)) void dispose();
  };

  const resync = async () => {
    try {
      const state = await transport.lastState(topic);
      if (state) receive([state]);
    } catch (error) {
      logger.warn({ err: error }, 'live updates: could not read the last state');
    }
  };

  const schedule = () => {
    if (disposed) return;
    const { failures, retryAfterSeconds } = record;
    const delay = nextPollDelay({
      baseMs: strategy.baseDelay(),
      failures,
      retryAfterSeconds,
      maxBackoffMs: opts.intervals.maxBackoffMs,
    });
    if (delay === null) {
      void dispose();
      return;
    }
    if (woken) {
      woken = false;
      void tick();
      return;
    }
    timer = clock.setTimer(() => void tick(), delay);
  };

  /** The lease's holder died: claim (and poll) now; if a tick is running, right after it. */
  const wake = () => {
    if (disposed) return;
    if (timer === undefined) {
      woken = true;
      return;
    }
    clock.clearTimer(timer);
    timer = undefined;
    void tick();
  };

  const tick = async () => {
    timer = undefined;
    if (disposed) return;
    try {
      if (!lease.held && (await lease.claim())) fresh = true;
      if (lease.held && !disposed) await poll();
      else if (!disposed) await recheckStandby();
    } catch (error) {
      if (!disposed) fail(error);
    }
    schedule();
  };

  const poll = async () => {
    // Each pass either returns or drops one token, so this ends.
    for (;;) {
      const creds = pool.next(clock.now());
      // Only expired tokens left: their own timers are ending those subscriptions.
      if (!creds) return;
      let snapshots: JobSnapshot[];
      try {
        snapshots = await strategy.fetch(creds, abort.signal, fresh);
      } catch (error) {
        if (disposed) return;
        const decision = decide(error, 'poll');
        if (decision.action !== 'drop-token') throw error;
        dropToken(creds.token, decision.error);
        if (disposed) return;
        continue;
      }
      if (disposed) return;
      record = HEALTHY;
      if (snapshots.length === 0) {
        fresh = false;
        return;
      }
      if (await transport.publish(lease, topic, snapshots)) {
        fresh = false;
        receive(snapshots);
      }
      // Not published: the lease went to another instance meanwhile, which will publish instead.
      return;
    }
  };

  /**
   * Without the lease this instance never polls, so its subscribers' tokens would be checked only when
   * they joined and at their `exp`: now and then, one of them (round robin) is asked about again. A
   * refusal ends that token's subscriptions here; any other failure is the holder's to handle.
   */
  const recheckStandby = async () => {
    const every = opts.intervals.standbyRecheckMs;
    if (every === 0 || clock.now() - lastRecheck < every) return;
    lastRecheck = clock.now();
    const creds = pool.next(lastRecheck);
    if (!creds) return;
    try {
      await strategy.verify(creds, abort.signal);
    } catch (error) {
      const decision = decide(error, 'recheck');
      if (!disposed && decision.action === 'drop-token') dropToken(creds.token, decision.error);
    }
  };

  const dropToken = (token: string, error: UpstreamError) => {
    logger.debug({ code: error.code }, 'live updates: a token was refused while polling; ending its subscriptions');
    for (const member of pool.dropToken(token)) {
      members.delete(member);
      member.end(error);
    }
    if (members.size === 0) void dispose();
  };

  const fail = (error: unknown) => {
    const decision = decide(error, 'poll');
    if (decision.action === 'back-off') {
      record = decision.record;
      logger.warn({ err: error, failures: record.failures }, 'live updates: poll failed; retrying with backoff');
    } else if (decision.action === 'end' || decision.action === 'drop-token') {
      // A token refused outside a fetch (never, today) would still end only what it must: everything.
      void dispose(decision.error);
    }
  };

  const start = async () => {
    try {
      const stopListening = await transport.listen(topic, receive);
      cleanups.push(stopListening);
      cleanups.push(transport.onResync(topic, () => void resync()));
      if (disposed) return runCleanups();
      await resync();
    } catch (error) {
      logger.error({ err: error }, 'live updates: could not listen for events');
      void dispose(
        new UpstreamError('UPSTREAM_UNAVAILABLE', 'Live updates are unavailable right now; subscribe again later.', {
          cause: error,
        }),
      );
      return;
    }
    if (!disposed) void tick();
  };

  const runCleanups = () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  };

  const dispose = (error?: Error): Promise<void> => {
    if (disposed) return disposed;
    opts.onDisposed();
    if (timer !== undefined) clock.clearTimer(timer);
    timer = undefined;
    abort.abort();
    runCleanups();
    const ending = [...members];
    members.clear();
    for (const member of ending) {
      pool.remove(member);
      member.end(error);
    }
    disposed = lease.release().catch((releaseError: unknown) => {
      logger.warn({ err: releaseError }, 'live updates: lease release failed; it will expire');
    });
    return disposed;
  };

  void start();

  return {
    join(member) {
      if (disposed) {
        member.end();
        return;
      }
      members.add(member);
      pool.add(member);
      strategy.welcome(member);
    },
    leave(member) {
      if (!members.delete(member)) return;
      pool.remove(member);
      if (members.size === 0) void dispose();
    },
    dispose,
  };
}
