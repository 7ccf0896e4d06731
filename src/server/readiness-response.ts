/**
 * `/readyz`: 200 while the gateway takes work; 503 while it drains or cannot serve (Redis
 * unreachable), with the reason in the body. The body also reports the upstream's circuit breaker
 * (`"closed"`, `"open"`, `"half-open"`) without changing the status: an upstream outage is every
 * instance's at once, and taking them all out of the load balancer would turn "the fine-tuning
 * service is down" into "the gateway is down" (GraphiQL, the dashboard, health).
 */
import type { CircuitBreakerView } from '../upstream/circuit-breaker.js';

/** `problem`: why the gateway cannot take work now, or null when it can. */
export function readinessResponse(
  problem: string | null,
  breaker: CircuitBreakerView | null | undefined,
  fetchAPI: { Response: typeof Response },
): Response {
  const body = {
    ready: problem === null,
    ...(problem === null ? {} : { reason: problem }),
    upstream: { circuitBreaker: breaker ? breaker.state() : 'none' },
  };
  return new fetchAPI.Response(JSON.stringify(body), {
    status: problem === null ? 200 : 503,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}
