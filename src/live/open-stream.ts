/**
 * One subscription as an async iterator, built on yoga's Repeater rather than an async generator:
 * when the client leaves, `return()` resolves the Repeater's stop promise at once, so the
 * subscriber leaves its poller (which stops polling if it was the last) even while an upstream call
 * is pending; a generator parked in an `await` would only notice once that call settled.
 *
 * Order of events: the access check with the caller's own token (nothing is delivered, and no
 * poller is joined, before the upstream has answered it); then the expiry timer of the token; then
 * joining the shared poller. Errors end the stream with a coded error (an UpstreamError): the
 * check's own error, UNAUTHENTICATED when the token expires, or what the poller ended with.
 */
import { Repeater, SlidingBuffer } from '@repeaterjs/repeater';
import { UpstreamError } from '../upstream/errors.js';
import { jwtExpiry } from '../upstream/jwt-expiry.js';
import type { Credentials } from '../upstream/types.js';
import type { Clock } from './clock.js';
import { latestPerJobQueue } from './latest-per-job-queue.js';
import type { JobSnapshot } from './snapshot.js';

/** What joining gives the poller: a way to reach this stream. */
export interface StreamEnds {
  creds: Credentials;
  /** When the token expires (ms since the epoch, from its `exp`), or null. */
  expiresAt: number | null;
  push(snapshot: JobSnapshot): void;
  /** Completes the stream, or fails it with `error`. */
  end(error?: Error): void;
}

export interface StreamDeps {
  clock: Clock;
  /** Snapshots a `job` stream keeps for a slow reader (a sliding buffer). */
  bufferSize: number;
  /** Registers a live stream with the hub so that `close()` can end it; returns the unregistering function. */
  track(end: () => void): () => void;
}

export interface StreamSpec<V> {
  creds: Credentials;
  /**
   * How snapshots wait for a slow reader. `job`: a sliding buffer of `bufferSize` (each snapshot is
   * the job's whole state, the terminal one last, so skipping old ones loses nothing that matters).
   * `list`: the latest state of each job (latest-per-job-queue.ts).
   */
  kind: 'job' | 'list';
  signal?: AbortSignal | undefined;
  /** The access check with the caller's own credentials. Its rejection ends the stream. */
  verify(signal: AbortSignal): Promise<V>;
  /** Joins the shared poller; returns the function that leaves it. */
  join(verified: V, ends: StreamEnds): () => void;
}

// setTimeout fires at once for delays past 2^31 - 1 ms (about 24.8 days): wait in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

export function tokenExpiredError(): UpstreamError {
  return new UpstreamError('UNAUTHENTICATED', 'The service token has expired: subscribe again with a fresh token.');
}

export function openStream<V>(deps: StreamDeps, spec: StreamSpec<V>): AsyncIterableIterator<JobSnapshot> {
  return new Repeater<JobSnapshot>(
    async (push, stop) => {
      const stopped = stop.then(() => undefined);
      const untrack = deps.track(() => stop());
      const checking = new AbortController();
      const onAbort = () => stop();
      let expiryTimer: unknown;
      let leave: (() => void) | undefined;

      try {
        if (spec.signal?.aborted) return;
        spec.signal?.addEventListener('abort', onAbort, { once: true });

        const outcome = await Promise.race([
          spec.verify(checking.signal).then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error }),
          ),
          stopped,
        ]);
        if (outcome === undefined) return;
        if (!outcome.ok) {
          stop(outcome.error);
          return;
        }

        const expiresAt = jwtExpiry(spec.creds.token);
        if (expiresAt !== null) {
          if (expiresAt <= deps.clock.now()) {
            stop(tokenExpiredError());
            return;
          }
          const arm = () => {
            const remaining = expiresAt - deps.clock.now();
            if (remaining <= 0) {
              stop(tokenExpiredError());
              return;
            }
            expiryTimer = deps.clock.setTimer(arm, Math.min(remaining, MAX_TIMER_MS));
          };
          arm();
        }

        // With a sliding buffer a push never waits; a push after the end is ignored.
        const deliver =
          spec.kind === 'list'
            ? latestPerJobQueue(push)
            : (snapshot: JobSnapshot) => void push(snapshot).catch(() => {});
        leave = spec.join(outcome.value, {
          creds: spec.creds,
          expiresAt,
          push: deliver,
          end: (error) => stop(error),
        });
        await stopped;
      } finally {
        checking.abort();
        spec.signal?.removeEventListener('abort', onAbort);
        if (expiryTimer !== undefined) deps.clock.clearTimer(expiryTimer);
        leave?.();
        untrack();
        stop();
      }
    },
    spec.kind === 'job' ? new SlidingBuffer(deps.bufferSize) : undefined,
  );
}
