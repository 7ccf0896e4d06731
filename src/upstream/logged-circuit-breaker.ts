/**
 * A client's circuit breaker (circuit-breaker.ts) with its changes of state in the operator's log:
 * a warning when it opens (the failures in a row, and the cool-down during which calls are refused),
 * an info line when it closes again (how long it was open). Changes of state only, never a line per
 * call: an outage of an hour is two lines here. The probes in between (one per cool-down) are debug
 * lines: each failed probe is already an `upstream call failed` warning of its own (call-failure.ts).
 *
 * Metrics and `/readyz` show the state now; only the log says when it changed and why, which an
 * operator trial missed (the breaker opened twice in 100 s, and no line said so).
 */
import { createCircuitBreaker, type CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import type { ResolvedOptions } from './options.js';

/** The breaker of a client built with `options` (none without them), logging on `o.logger`, on the breaker's clock. */
export function loggedCircuitBreaker(
  options: CircuitBreakerOptions | undefined,
  o: Pick<ResolvedOptions, 'logger' | 'now'>,
): CircuitBreaker | null {
  if (!options) return null;
  const now = options.now ?? o.now;
  const breaker = createCircuitBreaker({ ...options, now });
  const coolDown = seconds(options.coolDownMs);
  let openSince: number | undefined;
  breaker.onStateChange(({ from, to, failures }) => {
    const at = now();
    if (to === 'open' && from === 'closed') {
      openSince = at;
      o.logger.warn(
        { circuitBreaker: to, failures, coolDownMs: options.coolDownMs },
        `circuit breaker opened after ${failures} failures in a row: calls to the fine-tuning service are ` +
          `refused (UPSTREAM_UNAVAILABLE) for ${coolDown}, then one call goes through to probe it`,
      );
    } else if (to === 'closed') {
      const openMs = openSince === undefined ? 0 : Math.max(0, at - openSince);
      openSince = undefined;
      o.logger.info(
        { circuitBreaker: to, openMs },
        `circuit breaker closed: the fine-tuning service answered the probe; it was open for ${seconds(openMs)}`,
      );
    } else {
      o.logger.debug(
        { circuitBreaker: to, failures },
        to === 'open'
          ? `circuit breaker probe failed: open for another ${coolDown}`
          : 'circuit breaker half-open: one call goes through to probe the fine-tuning service',
      );
    }
  });
  return breaker;
}

/** "15 s", "1.5 s", "0 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1_000).toFixed(1))} s`;
}
