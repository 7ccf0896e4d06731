/**
 * A circuit breaker for one upstream: after `threshold` failures in a row, each within `windowMs` of
 * the last, the upstream is taken to be down and calls are refused at once with
 * `UPSTREAM_UNAVAILABLE` (no request sent) for `coolDownMs`. Then one call goes through as a probe
 * (half-open): if the upstream answers, the breaker closes; if it fails, it opens for another cool-down.
 *
 * What counts as a failure is the upstream's own health, never one caller's: a 5xx answer, a timeout,
 * a refused or reset connection. Any answer below 500 (401, 403, 404, 422, 429 …) shows that the
 * upstream is up, so it counts as a success, and one caller's bad token can never open the breaker
 * for everyone. A call the caller abandoned counts as neither, and so does one that never left the
 * gateway's own connection queue (the pool was busy: that is the gateway's congestion, not the upstream's).
 *
 * It knows nothing of GraphQL or metrics: observers hear state changes through `onStateChange`.
 */
import { UpstreamError } from './errors.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * The gateway's values and their defaults are its settings (UPSTREAM_BREAKER_* in src/config-variables.ts);
 * this layer knows nothing of the gateway's configuration, so it declares the shape and no default.
 */
export interface CircuitBreakerOptions {
  /** Failures in a row that open the breaker; 0 turns the breaker off. */
  threshold: number;
  /** A failure more than this long after the previous one starts the count again. */
  windowMs: number;
  /** How long the breaker stays open before it lets one probe through. */
  coolDownMs: number;
  /** Clock, in epoch milliseconds; tests inject one. @default Date.now */
  now?: () => number;
}

export interface CircuitStateChange {
  from: CircuitState;
  to: CircuitState;
  /** Failures in a row when it changed (the threshold reached, when it opened). */
  failures: number;
}

/** What observers (readiness, metrics) may read of a breaker. */
export interface CircuitBreakerView {
  state(): CircuitState;
  /** Calls `listener` on every change of state; returns a function that stops it. */
  onStateChange(listener: (change: CircuitStateChange) => void): () => void;
}

export interface CircuitBreaker extends CircuitBreakerView {
  /** Throws `UPSTREAM_UNAVAILABLE` when no call may go to the upstream now; otherwise admits one. */
  admit(operation: string): void;
  /** The admitted call got an answer (any status below 500). */
  succeeded(): void;
  /** The admitted call failed for the upstream's reasons (5xx, timeout, connection). */
  failed(): void;
  /** The admitted call ended for the caller's own reasons (it left), or was never sent: neither outcome. */
  abandoned(): void;
}

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { threshold, windowMs, coolDownMs } = options;
  const now = options.now ?? Date.now;
  for (const [name, value] of Object.entries({ threshold, windowMs, coolDownMs })) {
    if (!Number.isFinite(value) || value < 0)
      throw new TypeError(`circuit breaker option ${name}: ${value} is not a number ≥ 0`);
  }
  const listeners = new Set<(change: CircuitStateChange) => void>();
  let state: CircuitState = 'closed';
  let failures = 0;
  let lastFailureAt = 0;
  let openedAt = 0;
  let probing = false;

  const move = (to: CircuitState): void => {
    if (to === state) return;
    const change = { from: state, to, failures };
    state = to;
    for (const listener of listeners) listener(change);
  };

  return {
    state: () => state,
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    admit(operation) {
      if (threshold === 0 || state === 'closed') return;
      const waitMs = openedAt + coolDownMs - now();
      if (state === 'open' && waitMs <= 0) move('half-open');
      if (state === 'half-open' && !probing) {
        probing = true;
        return;
      }
      const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new UpstreamError(
        'UPSTREAM_UNAVAILABLE',
        `The fine-tuning service is failing (${failures} failures in a row); the gateway stops calling ` +
          `it for ${Math.round(coolDownMs / 1000)} s after each failure, then tries again. Retry after ` +
          `${retryAfterSeconds} s.`,
        { operation, retryAfterSeconds },
      );
    },
    succeeded() {
      failures = 0;
      probing = false;
      move('closed');
    },
    failed() {
      if (threshold === 0) return;
      const at = now();
      failures = state === 'closed' && at - lastFailureAt > windowMs ? 1 : failures + 1;
      lastFailureAt = at;
      probing = false;
      if (state === 'half-open' || failures >= threshold) {
        openedAt = at;
        move('open');
      }
    },
    abandoned() {
      probing = false;
    },
  };
}
