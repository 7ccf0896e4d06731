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
  it("lets GraphiQL's introspection query through", async () => {
    const res = await stack.gql(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    expect(res.errors).toBeUndefined();
    expect(res.data?.__schema.queryType.name).toBe('Query');
  });

  it('lets the deepest useful query through', async () => {
    const res = await stack.gql(
      `{ jobs(first: 20) { edges { node { dataset { trainingFile { columns { name sampleValues } } } metrics { latest { step } } } } } }`,
    );
    expect(res.errors).toBeUndefined();
  });

  it.each([
    [
      'too many aliases',
      `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: baseModels { id }`).join(' ')} }`,
      /Aliases limit of 30 exceeded/,
    ],
    [
      'too many tokens',
      `{ baseModels { ${'id '.repeat(3000)} } }`,
      /^Token limit of 3000 exceeded.* \(setting MAX_OPERATION_TOKENS\)\.$/,
    ],
    [
      'a cost past the budget',
      `{ ${Array.from({ length: 10 }, (_, i) => `j${i}: jobs(first: 100) { edges { node { id name status dataset { name trainingFile { name columns { name sampleValues } } } } } }`).join(' ')} }`,
      /^Query Cost limit of 5000 exceeded, found 19000 \(setting MAX_OPERATION_COST\): 1 per scalar field, .*; ask for fewer fields or smaller pages\.$/,
    ],
    // Regression: graphql-armor multiplied by `first` only when written in the document, so pages asked
    // for through a variable cost one item each.
    [
      'pages asked for through a variable, counted at the largest page',
      `query($n: Int!) { ${Array.from({ length: 10 }, (_, i) => `j${i}: jobs(first: $n) { edges { node { id name status } } }`).join(' ')} }`,
      /^Query Cost limit of 5000 exceeded, found 9000 \(setting MAX_OPERATION_COST\)/,
    ],
  ])('refuses %s', async (_name, query, message) => {
    const res = await stack.gql(query);
    expect(res.errors?.[0]?.message).toMatch(message);
    expect(res.errors?.[0]?.extensions?.code).toBe('OPERATION_LIMIT_EXCEEDED');
    expect(stack.calls()).toEqual({});
  });

  // Probes that passed before: graphql-armor's alias limit exempts `__typename`, and nothing counted
  // fields, so one field repeated 500 times went to validation (whose overlap check is quadratic).
  it.each([
    [
      '101 aliases of __typename',
      `{ baseModels { id } ${Array.from({ length: 101 }, (_, i) => `t${i}: __typename`).join(' ')} }`,
      'Aliases limit of 30 exceeded: the operation has 101 aliases (__typename included; setting MAX_OPERATION_ALIASES).',
    ],
    [
      'one field repeated 500 times',
      `{ baseModels { ${'id '.repeat(500)} } }`,
      'Field selections limit of 300 exceeded: the operation selects 501 fields (repeated fields and __typename included; setting MAX_OPERATION_FIELDS).',
    ],
    [
      '__typename repeated 500 times',
      `{ baseModels { id } ${'__typename '.repeat(500)} }`,
      'Field selections limit of 300 exceeded: the operation selects 502 fields (repeated fields and __typename included; setting MAX_OPERATION_FIELDS).',
    ],
  ])('refuses %s, stating the limit, before any upstream call', async (_name, query, message) => {
    const res = await stack.gql(query);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0]).toMatchObject({ message, extensions: { code: 'OPERATION_LIMIT_EXCEEDED' } });
    expect(stack.calls()).toEqual({});
  });

  it('counts fields through fragments, each time they are spread', async () => {
    const fragment = `fragment F on BaseModel { ${'id name '.repeat(10)} }`;
    const res = await stack.gql(`{ baseModels { ${Array.from({ length: 20 }, () => '...F').join(' ')} } } ${fragment}`);
    expect(res.errors?.[0]?.extensions?.code).toBe('OPERATION_LIMIT_EXCEEDED');
    expect(res.errors?.[0]?.message).toMatch(
      /^Field selections limit of 300 exceeded: the operation selects 401 fields/,
    );
    expect(stack.calls()).toEqual({});
  });

  it('takes its limits from the options', async () => {
    const tight = await startStack({ gateway: { operationLimits: { maxFields: 3 } } });
    try {
      expect((await tight.gql('{ baseModels { id name } }')).errors).toBeUndefined();
      const res = await tight.gql('{ baseModels { id name __typename } }');
      expect(res.errors?.[0]?.message).toMatch(/^Field selections limit of 3 exceeded: the operation selects 4 fields/);
    } finally {
      await tight.close();
    }
  });

  it('refuses a document nested deeper than the limit', async () => {
    const deep = await startStack({ gateway: { operationLimits: { maxDepth: 3 } } });
    try {
      const res = await deep.gql(`{ jobs { edges { node { dataset { name } } } } }`);
      expect(res.errors?.[0]?.message).toMatch(/^Query depth limit of 3 exceeded.* \(setting MAX_OPERATION_DEPTH\)\.$/);
      expect(res.errors?.[0]?.extensions?.code).toBe('OPERATION_LIMIT_EXCEEDED');
      expect(deep.calls()).toEqual({});
    } finally {
      await deep.close();
    }
  });
});
