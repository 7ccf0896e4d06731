/**
 * A gateway on an HTTP port, for specs that speak to it over raw sockets: each spec file gets its own
 * metrics registry, and every socket it opened is destroyed (and the stack closed) after each test.
 */
import { afterEach } from 'vitest';
import { createGatewayMetrics, type GatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import type { RawSocket } from './raw-socket.js';
import { startStack, type Stack } from './stack.js';

export interface RawStack {
  /** Starts a gateway with these settings; resolves to its base URL. */
  start(env: Record<string, string>): Promise<string>;
  /** Records a socket to destroy after the test. */
  track<T extends RawSocket>(raw: T): T;
  /** The stack `start` started (its server, its simulator), for a test that stops it itself. */
  stack(): Stack;
  /** The value of a labelled counter (or of an unlabelled gauge when `label` is omitted). */
  metric(name: string, label?: Record<string, string>): Promise<number>;
}

export function useRawStack(): RawStack {
  let stack: Stack | null = null;
  let metrics: GatewayMetrics | null = null;
  const opened: RawSocket[] = [];

  afterEach(async () => {
    for (const raw of opened.splice(0)) raw.socket.destroy();
    await stack?.close();
    stack = null;
  });

  return {
    async start(env) {
      metrics = createGatewayMetrics({ processMetrics: false });
      stack = await startStack({ http: true, env, gateway: { metrics } });
      return stack.server!.url;
    },
    stack() {
      if (!stack) throw new Error('useRawStack: start() the stack first');
      return stack;
    },
    track(raw) {
      opened.push(raw);
      return raw;
    },
    async metric(name, label = {}) {
      const values = (await metrics!.registry.getSingleMetric(name)!.get()).values;
      const wanted = Object.entries(label);
      const found = values.find((v) => wanted.every(([key, value]) => v.labels[key] === value));
      return found?.value ?? 0;
    },
  };
}
