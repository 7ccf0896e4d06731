/** A job the organization cannot pay for is refused with INSUFFICIENT_CREDIT, and its estimate still answers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';
import { startStack, type Stack } from '../harness/stack.js';
import type { Credentials } from '../../src/upstream/types.js';

const POOR: Credentials = { token: 'poor-token', organizationId: 'poor-org' };
let stack: Stack;
let datasetId: string;

beforeAll(async () => {
  stack = await startStack({
    simulator: { tenants: [{ token: POOR.token, organizationId: POOR.organizationId, creditUsd: 1.5 }] },
  });
  ({ datasetId } = await seedDataset(stack, POOR));
});
afterAll(() => stack.close());

describe('credit', () => {
  const input = () => ({
    name: 'too dear',
    baseModelId: LLAMA_INSTRUCT,
    dataset: { id: datasetId, answerColumn: 'answer' },
  });

  it("the estimate answers ($2.00, the minimum), and creating the job is INSUFFICIENT_CREDIT with the upstream's message", async () => {
    const estimate = await stack.gql(
      'query($i: CreateJobInput!) { costEstimate(input: $i) { cost minimumApplied } }',
      { i: input() },
      POOR,
    );
    expect(estimate.data?.costEstimate).toEqual({ cost: 2, minimumApplied: true });

    stack.simulator.resetStats();
    const created = await stack.gql(
      'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }',
      { i: input() },
      POOR,
    );
    expect(created.data).toBeNull();
    expect(created.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_CREDIT');
    expect(created.errors?.[0]?.message).toMatch(/credit/i);
    expect(stack.calls()['POST /jobs']).toBe(1); // one attempt: a refused creation is never retried
    const jobs = await stack.gql('{ jobs { totalCount } }', {}, POOR);
    expect(jobs.data?.jobs.totalCount).toBe(0);
  });
});
