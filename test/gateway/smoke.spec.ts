import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe('smoke', () => {
  it('lists the base models', async () => {
    const res = await stack.gql('{ baseModels { id name supportedBatchSizes } }');
    expect(res.errors).toBeUndefined();
    expect(res.data?.baseModels).toHaveLength(8);
  });
});
