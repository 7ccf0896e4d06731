/**
 * Each caller's share of the connections to the upstream: at most `perCaller` calls of one caller (one
 * token) are in flight at once; its next calls wait for one of its own to end, in a queue of their own,
 * so that they never take a place in the shared connection pool. Without it one tenant could hold
 * every connection (seventy uploads trickled at 30 bytes/s held all 64 for minutes) and every other
 * caller's call waited in undici's queue until its deadline.
 *
 * A call waits within its own deadline (what is left of it is the deadline of the call itself) and
 * stops waiting when its caller leaves. One that never got a place fails with UPSTREAM_UNAVAILABLE,
 * nothing sent; it is wrapped outside the circuit breaker, so it never counts as the upstream's failure.
 */
import type { Call } from './call.js';
import { UpstreamError } from './errors.js';

export interface CallerShareOptions {
  /** Calls of one caller in flight at once. */
  perCaller: number;
  /** The client's deadline, for a call that sets none of its own. */
  deadlineMs: number;
  now: () => number;
}

interface Share {
  active: number;
  waiting: Array<() => void>;
}

export function withCallerShare(call: Call, options: CallerShareOptions): Call {
  const { perCaller, now } = options;
  // Keyed by token, only while the caller has calls in flight or waiting: never more entries than calls.
  const shares = new Map<string, Share>();

  const release = (key: string, share: Share): void => {
    const next = share.waiting.shift();
    if (next) return next(); // the place goes to the next waiting call as it is
    share.active--;
    if (share.active === 0) shares.delete(key);
  };

  return async (creds, exchange, opts) => {
    const key = creds.token;
    const share = shares.get(key) ?? { active: 0, waiting: [] };
    shares.set(key, share);
    const deadlineMs = opts?.deadlineMs ?? exchange.deadlineMs ?? options.deadlineMs;
    let remainingMs = deadlineMs;
    if (share.active < perCaller) share.active++;
    else {
      const started = now();
      await waitForPlace(share, deadlineMs, opts?.signal, () => {
        const operation = `${exchange.method} ${exchange.route}`;
        exchange.stream?.source.destroy();
        return new UpstreamError(
          'UPSTREAM_UNAVAILABLE',
          `${operation}: this caller already has ${perCaller} calls in flight to the fine-tuning service ` +
            `(the gateway's share of connections for one caller), and none ended within ${deadlineMs} ms. ` +
            `Nothing was sent; retry once the others are done.`,
          { operation },
        );
      }).catch((error: unknown) => {
        if (share.active === 0 && share.waiting.length === 0) shares.delete(key);
        throw error;
      });
      remainingMs = Math.max(1, deadlineMs - (now() - started));
    }
    try {
      return await call(creds, exchange, { ...opts, deadlineMs: remainingMs });
    } finally {
      release(key, share);
    }
  };
}

/** Resolves when a place of `share` is handed over; rejects at the deadline (`timeout()`) or with the caller's abort reason. */
function waitForPlace(
  share: Share,
  deadlineMs: number,
  signal: AbortSignal | undefined,
  timeout: () => Error,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const give = (): void => {
      settle();
      resolve();
    };
    const fail = (error: unknown): void => {
      share.waiting.splice(share.waiting.indexOf(give), 1);
      settle();
      reject(error);
    };
    const onAbort = (): void => fail(signal!.reason);
    const timer = setTimeout(() => fail(timeout()), deadlineMs);
    const settle = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    share.waiting.push(give);
  });
}
