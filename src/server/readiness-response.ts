/**
 * `/readyz`: 200 while the gateway takes work; 503 while it drains or cannot serve (Redis
 * unreachable), with the reason in the body. The body also reports each provider's circuit breaker
 * (`"closed"`, `"open"`, `"half-open"`), and the worst of them as `circuitBreaker`, without changing
 * the status: an upstream outage is every instance's at once, and taking them all out of the load
 * balancer would turn "the fine-tuning service is down" into "the gateway is down" (GraphiQL, the
 * dashboard, health, and the other provider).
 */
import type { ProviderName } from '../providers/provider-name.js';
import type { CircuitBreakerView, CircuitState } from '../upstream/circuit-breaker.js';

export type ProviderBreakers = ReadonlyArray<{ provider: ProviderName; breaker: CircuitBreakerView }>;

const WORST_FIRST: readonly CircuitState[] = ['open', 'half-open', 'closed'];

/** `problem`: why the gateway cannot take work now, or null when it can. */
export function readinessResponse(
  problem: string | null,
  breakers: ProviderBreakers,
  fetchAPI: { Response: typeof Response },
): Response {
  const states = Object.fromEntries(breakers.map(({ provider, breaker }) => [provider, breaker.state()]));
  const worst = WORST_FIRST.find((state) => Object.values(states).includes(state)) ?? 'none';
  const body = {
    ready: problem === null,
    ...(problem === null ? {} : { reason: problem }),
    upstream: { circuitBreaker: worst, circuitBreakers: states },
  };
  return new fetchAPI.Response(JSON.stringify(body), {
    status: problem === null ? 200 : 503,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
