/**
 * Puts a circuit breaker (circuit-breaker.ts) around every upstream call: a call is refused before
 * anything is sent while the breaker is open, and each call's outcome is reported to it once, after
 * its retries. An answer below 500 (a 401 for one caller's bad token, a 429) means the upstream is up;
 * a call that never left the connection queue says nothing either way (`abandoned`).
 */
import type { Call } from './call.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { NotSentError } from './dispatch-tracking.js';
import { isUpstreamError } from './errors.js';

/**
 * The upstream's own failure: a 5xx answer, or no answer at all (timeout, refused or reset connection).
 * Not a call that waited for a connection of the gateway's own pool and never got one: that says the
 * pool was busy (one tenant's slow uploads can hold it), nothing of the upstream's health.
 */
function isUpstreamFailure(error: unknown): boolean {
  if (!isUpstreamError(error) || error.cause instanceof NotSentError) return false;
  if (error.status !== undefined) return error.status >= 500;
  return error.code === 'UPSTREAM_UNAVAILABLE' || error.code === 'UPSTREAM_OUTCOME_UNKNOWN';
}

export function withCircuitBreaker(call: Call, breaker: CircuitBreaker): Call {
  return async (creds, exchange, opts) => {
    breaker.admit(`${exchange.method} ${exchange.route}`);
    try {
      const result = await call(creds, exchange, opts);
      breaker.succeeded();
      return result;
    } catch (error) {
      if (isUpstreamFailure(error)) breaker.failed();
      else if (isUpstreamError(error) && error.status !== undefined) breaker.succeeded();
      else breaker.abandoned();
      throw error;
    }
  };
}
