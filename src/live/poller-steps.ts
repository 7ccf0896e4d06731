/**
 * The shared poller's steps (shared-poller.ts): listening, the lease claim, the poll, the publish, the
 * standby re-check and the tick timer. Each does its I/O and reports how it ended as one event of
 * poller-transition.ts, which decides what comes next: a step never decides.
 */
import type { CredentialPool } from './credential-pool.js';
import type { PollerEvent } from './poller-state.js';
import type { PollerMember, SharedPollerOptions } from './shared-poller.js';
import type { JobSnapshot } from './snapshot.js';
import type { Lease } from './transport.js';

export interface PollerStepDeps extends Pick<
  SharedPollerOptions,
  'topic' | 'strategy' | 'transport' | 'clock' | 'logger'
> {
  pool: CredentialPool<PollerMember>;
  lease: Lease;
  /** Aborted when the poller is disposed: cancels a fetch or a re-check under way. */
  signal: AbortSignal;
  dispatch(event: PollerEvent): void;
  /** Takes in snapshots from any instance (the poller's own included). */
  receive(snapshots: readonly JobSnapshot[]): void;
  isDisposed(): boolean;
}

export function pollerSteps(deps: PollerStepDeps) {
  const { topic, strategy, transport, clock, pool, lease, signal, dispatch, receive } = deps;
  const cleanups: Array<() => void> = [];
  let timer: unknown;
  const stopListening = () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  };

  const resync = (all: boolean) => readLastPublished(deps, all);
  // Redis keeps the last state of a job, not of a list: a list's standby reads the list itself.
  const unkept = topic.kind !== 'job';

  return {
    stopListening,
    /** Sets the timer of the next tick → `timer`. */
    wait(ms: number) {
      timer = clock.setTimer(() => {
        timer = undefined;
        dispatch({ type: 'timer' });
      }, ms);
    },
    stopWaiting() {
      if (timer !== undefined) clock.clearTimer(timer);
      timer = undefined;
    },
    /**
     * Listens on the topic, then reads its last state (so no change in between is missed) → `listening`;
     * after each reconnection, reads it again → `reconnected`.
     */
    async listen() {
      try {
        cleanups.push(await transport.listen(topic, receive));
        const reconnected = () => void resync(true).then(() => dispatch({ type: 'reconnected', reread: unkept }));
        cleanups.push(transport.onResync(topic, reconnected));
        if (deps.isDisposed()) return stopListening();
        await resync(false);
      } catch (error) {
        return dispatch({ type: 'listen-failed', error });
      }
      dispatch({ type: 'listening', reread: unkept });
    },
    async claim() {
      let gained: boolean;
      try {
        gained = !lease.held && (await lease.claim());
      } catch (error) {
        return dispatch({ type: 'failed', error });
      }
      dispatch({ type: 'claimed', gained, held: lease.held });
    },
    async poll(fresh: boolean) {
      const creds = pool.next(clock.now());
      if (!creds) return dispatch({ type: 'no-credentials' });
      let snapshots: JobSnapshot[];
      try {
        snapshots = await strategy.fetch(creds, signal, fresh);
      } catch (error) {
        return dispatch({ type: 'fetch-failed', error, token: creds.token });
      }
      dispatch({ type: 'fetched', snapshots });
    },
    reread: () => reread(deps),
    async publish(snapshots: readonly JobSnapshot[]) {
      let ok: boolean;
      try {
        ok = await transport.publish(lease, topic, snapshots);
      } catch (error) {
        return dispatch({ type: 'publish-failed', error, snapshots });
      }
      dispatch({ type: 'published', ok, snapshots });
    },
    async recheck(at: number) {
      const creds = pool.next(at);
      if (!creds) return dispatch({ type: 'rechecked' });
      try {
        await strategy.verify(creds, signal);
      } catch (error) {
        return dispatch({ type: 'recheck-failed', error, token: creds.token });
      }
      dispatch({ type: 'rechecked' });
    },
  };
}

/** A standby's own read of the whole topic (after a reconnection), for this instance's subscribers only. */
async function reread({ pool, clock, strategy, signal, dispatch }: PollerStepDeps): Promise<void> {
  const creds = pool.next(clock.now());
  if (!creds) return dispatch({ type: 'no-credentials' });
  let snapshots: JobSnapshot[];
  try {
    snapshots = await strategy.fetch(creds, signal, true);
  } catch (error) {
    return dispatch({ type: 'reread-failed', error, token: creds.token });
  }
  dispatch({ type: 'reread', snapshots });
}

/**
 * Reads what was last published: on listening, the current state; after a reconnection, all of it
 * (changes a holder could publish only once Redis was back may have gone out before this instance
 * listened again), the strategy dropping what is not new.
 */
async function readLastPublished({ transport, topic, receive, logger }: PollerStepDeps, all: boolean): Promise<void> {
  try {
    const published = await transport.lastPublished(topic);
    const snapshots = all ? published : published.slice(-1);
    if (snapshots.length > 0) receive(snapshots);
  } catch (error) {
    logger.warn({ err: error }, 'live updates: could not read the last state');
  }
}
