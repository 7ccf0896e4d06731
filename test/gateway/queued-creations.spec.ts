/**
 * Regression: job creations that never left the gateway's connection queue were answered
 * UPSTREAM_OUTCOME_UNKNOWN ("the request was sent"), and waited past their deadline for a connection.
 * They were not sent: UPSTREAM_UNAVAILABLE, safe to retry. Scaled down from the attack (300 creations
 * at 5 s latency on 64 connections) to 8 creations at 800 ms latency on 2 connections (at 400 ms, creations
 * whose checks came back spread out on a loaded machine could each find a connection within the deadline).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { eventually, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ client: { connections: 2, deadlineMs: 1_000 } });
});
afterAll(() => stack.close());

const CREATE = `mutation($input: CreateJobInput!) { createJob(input: $input) { id } }`;

describe('job creations queued behind the connection pool', () => {
  it('are UPSTREAM_UNAVAILABLE when they never reached the upstream; the others are created or OUTCOME_UNKNOWN; none is lost', async () => {
    const { datasetId } = await seedDataset(stack, { token: 'demo-token', organizationId: 'demo-org' });
    stack.simulator.resetStats();
    stack.simulator.setFaults({ route: 'POST /jobs', latencyMs: 800 });
    const N = 8;
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        stack.gql(CREATE, {
          input: {
            name: `queued-${i}`,
            baseModelId: LLAMA_INSTRUCT,
            dataset: { id: datasetId, answerColumn: 'answer' },
          },
        }),
      ),
    );
    stack.simulator.setFaults({});
    const codes = results.map((r) => (r.errors ? String(r.errors[0]?.extensions?.code) : 'CREATED'));
    const count = (code: string) => codes.filter((c) => c === code).length;
    // Every creation ends one of three ways, and nothing else.
    expect(count('CREATED') + count('UPSTREAM_OUTCOME_UNKNOWN') + count('UPSTREAM_UNAVAILABLE')).toBe(N);
    // Two connections, 800 ms per answer, a 1 s deadline: some creations never got a connection.
    expect(count('UPSTREAM_UNAVAILABLE')).toBeGreaterThan(0);
    // Exactly those that reached the upstream (by its own count) are created or outcome-unknown.
    const reached = await eventually(
      () => {
        const n = stack.simulator.stats()['POST /jobs'] ?? 0;
        return n === N - count('UPSTREAM_UNAVAILABLE') ? n : undefined;
      },
      5_000,
      `the simulator to count ${N - count('UPSTREAM_UNAVAILABLE')} creations (it counted ${stack.simulator.stats()['POST /jobs'] ?? 0})`,
    );
    expect(count('CREATED') + count('UPSTREAM_OUTCOME_UNKNOWN')).toBe(reached);
    for (const r of results) {
      if (r.errors?.[0]?.extensions?.code === 'UPSTREAM_UNAVAILABLE') {
        // Cut by the deadline while queued, not held until a connection came free.
        expect(r.errors[0].message).toBe(
          'POST /jobs: the fine-tuning service is unreachable (no connection free within 1000 ms).',
        );
      }
    }
    // None is lost: each job returned exists upstream; an outcome-unknown one may or may not (the
    // simulator drops a request whose client left before it read the body); nothing unsent exists.
    const created = results.filter((r) => !r.errors).map((r) => r.data?.createJob.id as string);
    const upstream = await stack.client.listJobs({ token: 'demo-token', organizationId: 'demo-org' }, { limit: 100 });
    const ids = new Set(upstream.jobs.map((j) => j.id));
    for (const id of created) expect(ids.has(id)).toBe(true);
    expect(upstream.total).toBeGreaterThanOrEqual(created.length);
    expect(upstream.total).toBeLessThanOrEqual(reached);
  });
});
