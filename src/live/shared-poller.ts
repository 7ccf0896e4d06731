/**
 * One poller per topic (a job, or an organization's job list) per instance, shared by all of the
 * instance's subscribers to it. It polls only while it holds the topic's lease (always, in-process;
 * with Redis, one instance at a time), with the credentials of one of its own subscribers at a
 * time (see credential-pool.ts and the design notes in README.md), and publishes what changed; every
 * instance's poller, this one included, delivers what it receives to its own subscribers. An
 * instance without the lease retries taking it every interval, and at once when the transport finds
 * the holder dead (`onVacant`), so that when the holder stops or dies, one of the instances that
 * still have subscribers takes over. A holder in backoff also polls at once when the upstream
 * answers for its account elsewhere (`answered`, told by account-answers.ts).
 *
 * What to fetch, what counts as a change and when the topic is finished are the strategy's
 * (job-strategy.ts, list-strategy.ts). What happens next, after each step, is decided by the pure
 * transition in poller-transition.ts; this file is its shell: it keeps the members, runs the effects
 * (timers from the Clock, the lease, upstream calls, publishing) and reports their outcomes as events.
 * Once the poller is disposed, no effect but logging and the disposal itself runs: nothing new starts.
 */
import type { UpstreamError } from '../upstream/errors.js';
import type { Credentials } from '../upstream/types.js';
import type { Clock } from './clock.js';
import { createCredentialPool, type PoolMember } from './credential-pool.js';
import type { Intervals, LiveUpdatesLogger } from './options.js';
import type { PollerEffect, PollerEvent, PollerState } from './poller-state.js';
import { initialPollerState, pollerTransition } from './poller-transition.js';
import { pollerSteps } from './poller-steps.js';
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
  /**
   * The upstream answered for the topic's account elsewhere (account-answers.ts); `ahead`: the answer
   * shows the job in a later status than this poller last delivered. A holder in backoff, or behind,
   * polls at once (poller-transition.ts, `answered`).
   */
  answered(ahead: boolean): void;
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
  /** Called when the poller starts backing off (true: its polls fail) and when it stops (false: answered, or disposed). */
  onFailing?: (failing: boolean) => void;
}

export function createSharedPoller(opts: SharedPollerOptions): SharedPoller {
  const { topic, strategy, transport, clock, logger } = opts;
  const members = pollerMembers();
  const lease = transport.lease(topic, () => dispatch({ type: 'vacant' }));
  const abort = new AbortController();
  let state: PollerState = initialPollerState(clock.now());
  let released: Promise<void> | undefined;

  const dispatch = (event: PollerEvent): void => {
    const env = {
      now: clock.now(),
      baseDelayMs: strategy.baseDelay(),
      intervals: opts.intervals,
      tokens: members.pool.tokens,
    };
    const step = pollerTransition(state, event, env);
    const wasFailing = isFailing(state);
    state = step.state;
    if (isFailing(state) !== wasFailing) opts.onFailing?.(!wasFailing);
    for (const effect of step.effects) {
      // An effect may dispatch in turn (ending the last member disposes): after that, nothing new starts.
      if (state.phase === 'disposed' && effect.type !== 'dispose' && effect.type !== 'log') continue;
      run(effect);
    }
  };

  const receive = (snapshots: readonly JobSnapshot[]) => {
    if (state.phase === 'disposed') return;
    if (strategy.receive(snapshots, members.all)) dispatch({ type: 'finished' });
  };

  const isDisposed = () => state.phase === 'disposed';
  const steps = pollerSteps({
    ...opts,
    pool: members.pool,
    lease,
    signal: abort.signal,
    dispatch,
    receive,
    isDisposed,
  });

  const teardown = (error?: Error) => {
    if (released) return;
    opts.onDisposed();
    steps.stopWaiting();
    abort.abort();
    steps.stopListening();
    members.endAll(error);
    released = lease.release().catch((releaseError: unknown) => {
      logger.warn({ err: releaseError }, 'live updates: lease release failed; it will expire');
    });
  };

  const shell: EffectShell = { steps, members, logger, receive, dispatch, teardown };
  const run = (effect: PollerEffect) => runEffect(effect, shell);

  void steps.listen();

  return {
    join(member) {
      if (state.phase === 'disposed') return member.end();
      members.add(member);
      strategy.welcome(member);
    },
    leave(member) {
      if (members.remove(member) === 0) dispatch({ type: 'emptied' });
    },
    answered(ahead) {
      dispatch({ type: 'answered', ahead, held: lease.held });
    },
    dispose(error) {
      dispatch({ type: 'dispose', error });
      return released ?? Promise.resolve();
    },
  };
}

const isFailing = (state: PollerState): boolean => state.phase !== 'disposed' && state.record.failures > 0;

interface EffectShell {
  steps: ReturnType<typeof pollerSteps>;
  members: ReturnType<typeof pollerMembers>;
  logger: LiveUpdatesLogger;
  receive(snapshots: readonly JobSnapshot[]): void;
  dispatch(event: PollerEvent): void;
  teardown(error?: Error): void;
}

function runEffect(effect: PollerEffect, shell: EffectShell): void {
  const { steps, members, dispatch } = shell;
  switch (effect.type) {
    case 'claim':
      return void steps.claim();
    case 'poll':
      return void steps.poll(effect.fresh);
    case 'publish':
      return void steps.publish(effect.snapshots);
    case 'reread':
      return void steps.reread();
    case 'recheck':
      return void steps.recheck(effect.at);
    case 'deliver':
      shell.receive(effect.snapshots);
      return dispatch({ type: 'delivered' });
    case 'drop-token':
      if (members.dropToken(effect.token, effect.error) === 0) dispatch({ type: 'emptied' });
      return;
    case 'set-timer':
      return steps.wait(effect.ms);
    case 'clear-timer':
      return steps.stopWaiting();
    case 'log':
      return shell.logger[effect.level](effect.fields, effect.message);
    case 'dispose':
      return shell.teardown(effect.error);
  }
}

/** The poller's members, and the pool of their tokens kept in step with them. */
function pollerMembers() {
  const all = new Set<PollerMember>();
  const pool = createCredentialPool<PollerMember>();
  return {
    all: all as ReadonlySet<PollerMember>,
    pool,
    add(member: PollerMember) {
      all.add(member);
      pool.add(member);
    },
    /** Members left after `member` leaves, or undefined when it was not one. */
    remove(member: PollerMember): number | undefined {
      if (!all.delete(member)) return undefined;
      pool.remove(member);
      return all.size;
    },
    /** Ends the members holding `token` with `error`; returns how many members are left. */
    dropToken(token: string, error: UpstreamError): number {
      for (const member of pool.dropToken(token)) {
        all.delete(member);
        member.end(error);
      }
      return all.size;
    },
    endAll(error?: Error) {
      const ending = [...all];
      all.clear();
      for (const member of ending) {
        pool.remove(member);
        member.end(error);
      }
    },
  };
}
