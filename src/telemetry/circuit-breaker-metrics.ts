/**
 * The metrics of the circuit breaker in front of the upstream (gateway-metrics.ts registers them on
 * the gateway's registry): its state at each scrape, one series per state, and every transition.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CircuitBreakerView, CircuitState } from '../upstream/circuit-breaker.js';

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half-open'];

/** The circuit breaker's state at each scrape, and every transition. */
export function circuitBreakerMetrics(registers: Registry[]): (breaker: CircuitBreakerView) => void {
  let breaker: CircuitBreakerView | null = null;
  // The usual enum encoding: one series per state, 1 for the current one.
  new Gauge({
    name: 'gateway_upstream_circuit_breaker_state',
    help: 'State of the circuit breaker in front of the upstream (1 for the current state)',
    labelNames: ['state'],
    registers,
    collect() {
      if (!breaker) return;
      const current = breaker.state();
      for (const state of CIRCUIT_STATES) this.set({ state }, state === current ? 1 : 0);
    },
  });
  const transitions = new Counter({
    name: 'gateway_upstream_circuit_breaker_transitions_total',
    help: 'Changes of state of the circuit breaker in front of the upstream',
    labelNames: ['to'],
    registers,
  });
  return (value) => {
    breaker = value;
    value.onStateChange(({ to }) => transitions.inc({ to }));
  };
}
