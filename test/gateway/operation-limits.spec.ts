/** One request cannot ask for unbounded work: limits answer OPERATION_LIMIT_EXCEEDED, before any upstream call. */
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.simulator.resetStats());

describe('operation limits', () => {
  it('lets GraphiQL\'s introspection query through', async () => {
    const res = await stack.gql(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    expect(res.errors).toBeUndefined();
    expect(res.data?.__schema.queryType.name).toBe('Query');
  });

  it('lets the deepest useful query through', async () => {
    const res = await stack.gql(`{ jobs(first: 20) { edges { node { dataset { trainingFile { columns { name sampleValues } } } metrics { latest { step } } } } } }`);
    expect(res.errors).toBeUndefined();
  });

  it.each([
    ['too many aliases', `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: baseModels { id }`).join(' ')} }`, /Aliases limit of 30 exceeded/],
    ['too many tokens', `{ baseModels { ${'id '.repeat(3000)} } }`, /Token limit of 3000 exceeded/],
  ])('refuses %s', async (_name, query, message) => {
    const res = await stack.gql(query);
    expect(res.errors?.[0]?.message).toMatch(message);
    expect(res.errors?.[0]?.extensions?.code).toBe('OPERATION_LIMIT_EXCEEDED');
    expect(stack.calls()).toEqual({});
  });

  it('refuses a document nested deeper than the limit', async () => {
    const deep = await startStack({ gateway: { operationLimits: { maxDepth: 3 } } });
    try {
      const res = await deep.gql(`{ jobs { edges { node { dataset { name } } } } }`);
      expect(res.errors?.[0]?.message).toMatch(/Query depth limit of 3 exceeded/);
      expect(res.errors?.[0]?.extensions?.code).toBe('OPERATION_LIMIT_EXCEEDED');
      expect(deep.calls()).toEqual({});
    } finally {
      await deep.close();
    }
  });
});
