/**
 * `/readyz`: 200 while the gateway takes work; 503 while it cannot (draining on shutdown, or a
 * configuration that keeps it from serving as configured), with the reason in the body.
 *
 * An outage that every instance shares is not a reason: taking them all out of the load balancer at
 * once would turn "Redis is down" or "the fine-tuning service is down" into "the gateway is down"
 * (queries, mutations, GraphiQL, the dashboard and health, which need neither). So:
 *
 * - a problem marked `degradedOnly` (Redis unreachable: live updates across instances are paused;
 *   the webhook database unreachable: webhooks and download links wait) leaves the status at 200 and
 *   is said in the body as `degraded`;
 * - each provider's circuit breaker (`"closed"`, `"open"`, `"half-open"`), and the worst of them as
 *   `circuitBreaker`, are reported without changing the status either.
 *
 * The problem reaches here as one string (gateway.ts: the drain's, or the backends'); the mark is a
 * prefix that only `degradedOnly` writes and only this file reads.
 */
import type { ProviderName } from '../providers/provider-name.js';
import type { CircuitBreakerView, CircuitState } from '../upstream/circuit-breaker.js';

export type ProviderBreakers = ReadonlyArray<{ provider: ProviderName; breaker: CircuitBreakerView }>;

const WORST_FIRST: readonly CircuitState[] = ['open', 'half-open', 'closed'];

const DEGRADED_ONLY = 'Degraded (still ready): ';

/** `reason`, marked as degrading the gateway without keeping it from taking work: `/readyz` stays 200 and says it. */
export function degradedOnly(reason: string): string {
  return DEGRADED_ONLY + reason;
}

/**
 * One problem out of several (Redis's, the webhook database's), each null when there is none: the
 * first that keeps the gateway from taking work, else every degradation said together, else null.
 */
export function firstProblem(...problems: ReadonlyArray<string | null>): string | null {
  const present = problems.filter((p): p is string => p !== null);
  const blocking = present.find((p) => !p.startsWith(DEGRADED_ONLY));
  if (blocking !== undefined || present.length < 2) return blocking ?? present[0] ?? null;
  return degradedOnly(present.map((p) => p.slice(DEGRADED_ONLY.length)).join(' '));
}

/** `problem`: why the gateway cannot take work now (or, marked by `degradedOnly`, what is degraded), or null. */
export function readinessResponse(
  problem: string | null,
  breakers: ProviderBreakers,
  fetchAPI: { Response: typeof Response },
): Response {
  const degraded = problem?.startsWith(DEGRADED_ONLY) ? problem.slice(DEGRADED_ONLY.length) : null;
  const reason = degraded === null ? problem : null;
  const states = Object.fromEntries(breakers.map(({ provider, breaker }) => [provider, breaker.state()]));
  const worst = WORST_FIRST.find((state) => Object.values(states).includes(state)) ?? 'none';
  const body = {
    ready: reason === null,
    ...(reason === null ? {} : { reason }),
    ...(degraded === null ? {} : { degraded }),
    upstream: { circuitBreaker: worst, circuitBreakers: states },
  };
  return new fetchAPI.Response(JSON.stringify(body), {
    status: reason === null ? 200 : 503,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
