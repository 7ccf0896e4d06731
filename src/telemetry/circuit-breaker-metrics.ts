/**
 * The metrics of the circuit breakers in front of the upstreams (gateway-metrics.ts registers them on
 * the gateway's registry), one per provider: its state at each scrape, one series per state, and
 * every transition, each labelled with the provider.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ProviderName } from '../providers/provider-name.js';
import type { CircuitBreakerView, CircuitState } from '../upstream/circuit-breaker.js';

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half-open'];

/** Each provider's circuit breaker's state at each scrape, and every transition. */
export function circuitBreakerMetrics(
  registers: Registry[],
): (breaker: CircuitBreakerView, provider: ProviderName) => void {
  const breakers = new Map<ProviderName, CircuitBreakerView>();
  // The usual enum encoding: one series per state, 1 for the current one.
  new Gauge({
    name: 'gateway_upstream_circuit_breaker_state',
    help: "State of each provider's circuit breaker in front of its upstream (1 for the current state)",
    labelNames: ['provider', 'state'],
    registers,
    collect() {
      for (const [provider, breaker] of breakers) {
        const current = breaker.state();
        for (const state of CIRCUIT_STATES) this.set({ provider, state }, state === current ? 1 : 0);
      }
    },
  });
  const transitions = new Counter({
    name: 'gateway_upstream_circuit_breaker_transitions_total',
    help: "Changes of state of each provider's circuit breaker in front of its upstream",
    labelNames: ['provider', 'to'],
    registers,
  });
  return (breaker, provider) => {
    breakers.set(provider, breaker);
    breaker.onStateChange(({ to }) => transitions.inc({ provider, to }));
  };
}
