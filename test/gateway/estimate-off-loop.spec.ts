/**
 * The simulator, embedded in the gateway's process, counts a large dataset's tokens for a cost
 * estimate without holding the event loop: `{ __typename }` keeps answering while it counts. (On the
 * event loop, a 30 MB dataset held every caller's queries for 17.6 s.) No timing is asserted: queries
 * sent one after another, after the simulator has the estimate request and before its answer, are
 * answered; with the counting on the loop, none could be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startStack, type Stack } from '../harness/stack.js';
import { LLAMA_INSTRUCT, seedDataset } from '../harness/fixtures.js';

let stack: Stack;
let datasetId: string;
beforeAll(async () => {
  stack = await startStack();
  const answer = 'Open Settings, then Billing, and choose the invoice you want to download as a PDF. '.repeat(30);
  const rows = Array.from({ length: 1500 }, (_, i) => `"How do I get invoice ${i}?","${answer} (${i})"`);
  ({ datasetId } = await seedDataset(stack, DEMO, 'large', `question,answer\n${rows.join('\n')}\n`));
  // The simulator's vocabulary loaded by a small estimate first: what follows is counting only.
  const small = await seedDataset(stack, DEMO, 'small');
  await estimate(small.datasetId);
}, 60_000);
afterAll(() => stack.close());

function estimate(id: string) {
  return stack.gql(
    'query($i: CreateJobInput!) { costEstimate(input: $i) { tokens } }',
    { i: { name: 'big', baseModelId: LLAMA_INSTRUCT, dataset: { id, answerColumn: 'answer' } } },
    DEMO,
  );
}

describe('the embedded simulator counting tokens', () => {
  it('a trivial query answers while the simulator counts a large dataset', { timeout: 120_000 }, async () => {
    stack.simulator.resetStats();
    let settled = false;
    const counting = estimate(datasetId).finally(() => (settled = true));
    let answeredWhileCounting = 0;
    while (!settled) {
      // In-process queries can answer within microtasks: give the sockets a turn.
      await new Promise((resolve) => setImmediate(resolve));
      const simulatorHasIt = (stack.calls()['POST /jobs'] ?? 0) > 0;
      const res = await stack.gql('{ __typename }', {}, DEMO);
      expect(res.data).toEqual({ __typename: 'Query' });
      if (simulatorHasIt && !settled) answeredWhileCounting++;
    }
    const result = await counting;
    expect(result.errors).toBeUndefined();
    expect(result.data?.costEstimate.tokens).toBeGreaterThan(500_000);
    expect(answeredWhileCounting).toBeGreaterThanOrEqual(3);
  });
});
