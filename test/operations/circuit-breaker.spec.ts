/**
 * The upstream's circuit breaker, through the gateway: it opens on the upstream's own failures (5xx,
 * dropped connections), never on one caller's bad token; while open it answers UPSTREAM_UNAVAILABLE
 * without calling the upstream; after the cool-down (an injected clock) one probe decides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import type { CircuitStateChange } from '../../src/upstream/circuit-breaker.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
let now = 1_000_000;
const changes: CircuitStateChange[] = [];
const DATASETS = '{ datasets { id } }';

async function faults(body: unknown): Promise<void> {
  const res = await fetch(`${stack.simulator.origin}/__admin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.ok).toBe(true);
}

async function readyz(): Promise<{ status: number; body: any }> {
  const res = await stack.gateway.yoga.fetch('http://gateway.test/readyz');
  return { status: res.status, body: await res.json() };
}

/** The breaker's series in the gateway's metrics (what its metrics listener serves; this stack does not listen). */
async function breakerMetrics(): Promise<string[]> {
  const text = await stack.gateway.metrics!.registry.metrics();
  return text.split('\n').filter((line) => line.startsWith('gateway_upstream_circuit_breaker_'));
}

beforeAll(async () => {
  stack = await startStack({
    client: {
      retry: { maxAttempts: 1 },
      circuitBreaker: { threshold: 3, windowMs: 10_000, coolDownMs: 5_000, now: () => now },
    },
    gateway: { metrics: createGatewayMetrics({ processMetrics: false }) },
    // Together's client takes the gateway's settings (Nscale's, above, the spec's own options).
    env: { UPSTREAM_BREAKER_THRESHOLD: '3' },
  });
  stack.client.circuitBreaker!.onStateChange((change) => changes.push(change));
});
afterAll(() => stack.close());

describe('circuit breaker', () => {
  it("never opens on callers' 401s", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await stack.gql(DATASETS, {}, { token: 'not-a-tenant-token', organizationId: 'demo-org' });
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(stack.client.circuitBreaker!.state()).toBe('closed');
    expect(changes).toEqual([]);
  });

  it('opens after 3 failures in a row (5xx and a dropped connection), then refuses without calling the upstream', async () => {
    await faults({ route: 'GET /datasets', error: { count: 2, status: 503 } });
    for (let i = 0; i < 2; i++)
      expect((await stack.gql(DATASETS)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(stack.client.circuitBreaker!.state()).toBe('closed');
    await faults({ route: 'GET /datasets', drop: { count: 1 } });
    expect((await stack.gql(DATASETS)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(changes).toEqual([{ from: 'closed', to: 'open', failures: 3 }]);

    stack.simulator.resetStats();
    const refused = await stack.gql(DATASETS);
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 5 } });
    expect(refused.errors?.[0]?.message).toMatch(/^The fine-tuning service is failing \(3 failures in a row\)/);
    expect(stack.calls()).toEqual({});
    // Reported, without failing readiness: every instance sees the same upstream.
    expect(await readyz()).toEqual({
      status: 200,
      body: {
        ready: true,
        upstream: { circuitBreaker: 'open', circuitBreakers: { nscale: 'open', together: 'closed' } },
      },
    });
    expect(await breakerMetrics()).toEqual([
      'gateway_upstream_circuit_breaker_state{provider="nscale",state="closed"} 0',
      'gateway_upstream_circuit_breaker_state{provider="nscale",state="open"} 1',
      'gateway_upstream_circuit_breaker_state{provider="nscale",state="half-open"} 0',
      'gateway_upstream_circuit_breaker_state{provider="together",state="closed"} 1',
      'gateway_upstream_circuit_breaker_state{provider="together",state="open"} 0',
      'gateway_upstream_circuit_breaker_state{provider="together",state="half-open"} 0',
      'gateway_upstream_circuit_breaker_transitions_total{provider="nscale",to="open"} 1',
    ]);
  });

  it('after the cool-down a failed probe opens it again, and a good probe closes it', async () => {
    await faults({ route: 'GET /datasets', error: { count: 1, status: 500 } });
    now += 5_000;
    stack.simulator.resetStats();
    expect((await stack.gql(DATASETS)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(stack.calls()).toEqual({ 'GET /datasets': 1 });
    expect(stack.client.circuitBreaker!.state()).toBe('open');
    expect((await stack.gql(DATASETS)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(stack.calls()).toEqual({ 'GET /datasets': 1 });

    now += 5_000;
    const probe = await stack.gql(DATASETS, {}, DEMO);
    expect(probe.errors).toBeUndefined();
    expect(stack.calls()).toEqual({ 'GET /datasets': 2 });
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    expect((await readyz()).body.upstream).toEqual({
      circuitBreaker: 'closed',
      circuitBreakers: { nscale: 'closed', together: 'closed' },
    });
    expect(await breakerMetrics()).toEqual([
      'gateway_upstream_circuit_breaker_state{provider="nscale",state="closed"} 1',
      'gateway_upstream_circuit_breaker_state{provider="nscale",state="open"} 0',
      'gateway_upstream_circuit_breaker_state{provider="nscale",state="half-open"} 0',
      'gateway_upstream_circuit_breaker_state{provider="together",state="closed"} 1',
      'gateway_upstream_circuit_breaker_state{provider="together",state="open"} 0',
      'gateway_upstream_circuit_breaker_state{provider="together",state="half-open"} 0',
      'gateway_upstream_circuit_breaker_transitions_total{provider="nscale",to="open"} 2',
      'gateway_upstream_circuit_breaker_transitions_total{provider="nscale",to="half-open"} 2',
      'gateway_upstream_circuit_breaker_transitions_total{provider="nscale",to="closed"} 1',
    ]);
  });

  it("Together's breaker opens on Together's failures alone, and is reported beside Nscale's", async () => {
    // Last: Together's breaker runs on the real clock (UPSTREAM_BREAKER_COOLDOWN_MS), and stays open.
    stack.togetherSimulator!.setFaults({ error: { rate: 1, status: 500 } });
    try {
      const onTogether = async () => {
        const res = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-provider': 'together', ...headersFor(DEMO) },
          body: JSON.stringify({ query: '{ jobs(first: 1) { totalCount } }' }),
        });
        return (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      };
      for (let i = 0; i < 10 && (await readyz()).body.upstream.circuitBreakers.together !== 'open'; i++)
        expect((await onTogether()).errors?.[0]?.extensions?.code).toMatch(/^UPSTREAM_(ERROR|UNAVAILABLE)$/);
      expect(await readyz()).toEqual({
        status: 200,
        body: {
          ready: true,
          upstream: { circuitBreaker: 'open', circuitBreakers: { nscale: 'closed', together: 'open' } },
        },
      });
      expect(await breakerMetrics()).toEqual(
        expect.arrayContaining([
          'gateway_upstream_circuit_breaker_state{provider="nscale",state="closed"} 1',
          'gateway_upstream_circuit_breaker_state{provider="together",state="open"} 1',
          'gateway_upstream_circuit_breaker_transitions_total{provider="together",to="open"} 1',
        ]),
      );
      // Nscale still answers.
      expect((await stack.gql(DATASETS, {}, DEMO)).errors).toBeUndefined();
    } finally {
      stack.togetherSimulator!.setFaults({});
    }
  });
});
