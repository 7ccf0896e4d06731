/**
 * The counter of `analyzeDataset`'s refusals for want of a place in the analysis pool
 * (src/preflight/analysis-admission.ts), by reason. Each is also an error answered (RATE_LIMITED on
 * `gateway_graphql_errors_total`); here is why. Part of the gateway's metrics (gateway-metrics.ts).
 */
import { Counter, type Registry } from 'prom-client';
import type { RefusalReason } from '../preflight/analysis-admission.js';
import type { GatewayMetrics } from './gateway-metrics.js';

const REASONS: readonly RefusalReason[] = ['caller', 'busy', 'wait'];

/** The refusals' counter, every reason at 0 from the start. */
export function analyzeMetrics(registers: Registry[]): Pick<GatewayMetrics, 'analyzeRefused'> {
  const refused = new Counter({
    name: 'gateway_analyze_refused_total',
    help:
      'analyzeDataset analyses refused a place in the analysis pool, by reason (caller: the caller had ' +
      'ANALYZE_MAX_PER_CALLER already; busy: the wait queue was full; wait: no place came within ' +
      'ANALYZE_QUEUE_WAIT_SECONDS)',
    labelNames: ['reason'] as const,
    registers,
  });
  for (const reason of REASONS) refused.labels({ reason }).inc(0);
  return { analyzeRefused: (reason) => refused.inc({ reason }) };
}
