/**
 * Together has no datasets: an operation on them is refused for that first, whatever its input, not
 * after the input's problems are fixed one by one (frontend trial: `exportJobToHuggingFace` answered
 * field errors, then, once they were fixed, that it runs on Nscale only; the datasets' operations the same).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type GraphQLResponse, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

async function onTogether(query: string, variables: Record<string, unknown>): Promise<GraphQLResponse> {
  const response = await stack.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: {
      accept: 'application/graphql-response+json',
      'content-type': 'application/json',
      authorization: 'Bearer demo-token',
      'x-provider': 'together',
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse;
}

describe('a datasets operation on Together, with a bad input', () => {
  it.each([
    [
      'createDataset',
      'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }',
      { i: { name: ' ', trainingFileId: 'x'.repeat(300) } },
    ],
    ['deleteDataset', 'mutation($id: ID!) { deleteDataset(id: $id) }', { id: 'x'.repeat(300) }],
    ['dataset', 'query($id: ID!) { dataset(id: $id) { id } }', { id: 'x'.repeat(300) }],
    ['datasets', '{ datasets { id } }', {}],
  ])('%s is refused for the provider alone, before its input, asking no upstream', async (name, query, variables) => {
    stack.simulator.resetStats();
    const { errors } = await onTogether(query, variables);
    expect(errors).toHaveLength(1);
    // It names the operation, and what to do instead on Together.
    expect(errors?.[0]?.message).toMatch(
      new RegExp(
        `^${name} is not available on provider together: Together has no datasets; upload .* files: \\{ trainingFileId \\}`,
      ),
    );
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'together' });
    expect(errors?.[0]?.extensions?.field).toBeUndefined();
    expect(stack.calls()).toEqual({});
  });
});
