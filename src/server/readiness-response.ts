/**
 * `/readyz`: 200 while the gateway takes work, 503 while it drains. The body also reports the
 * upstream's circuit breaker (`"closed"`, `"open"`, `"half-open"`) without changing the status: an
 * upstream outage is every instance's at once, and taking them all out of the load balancer would
 * turn "the fine-tuning service is down" into "the gateway is down" (GraphiQL, the dashboard, health).
 */
import type { CircuitBreakerView } from '../upstream/circuit-breaker.js';

export function readinessResponse(ready: boolean, breaker: CircuitBreakerView | null | undefined, fetchAPI: { Response: typeof Response }): Response {
  const body = { ready, upstream: { circuitBreaker: breaker ? breaker.state() : 'none' } };
  return new fetchAPI.Response(JSON.stringify(body), { status: ready ? 200 : 503, headers: { 'content-type': 'application/json; charset=utf-8' } });
}
