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

  it('reports not ready while draining, and healthy all along', async () => {
    const status = async (path: string) => (await stack.gateway.yoga.fetch(`http://gateway.test${path}`)).status;
    expect(await status('/readyz')).toBe(200);
    stack.gateway.setReady(false);
    expect(await status('/readyz')).toBe(503);
    expect(await status('/healthz')).toBe(200);
    stack.gateway.setReady(true);
    expect(await status('/readyz')).toBe(200);
  });
});
