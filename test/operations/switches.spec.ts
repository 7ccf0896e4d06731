/** Introspection, GraphiQL and field suggestions: on by default, each off by its own setting. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startStack, type Stack } from '../harness/stack.js';

let on: Stack;
let off: Stack;
beforeAll(async () => {
  on = await startStack();
  const { switches } = loadConfig({
    GRAPHQL_INTROSPECTION: 'false',
    GRAPHIQL_ENABLED: 'false',
    GRAPHQL_FIELD_SUGGESTIONS: 'false',
  });
  off = await startStack({ sharedSimulator: on.simulator, gateway: { switches } });
});
afterAll(async () => {
  await off.close();
  await on.close();
});

const graphiqlPage = (stack: Stack) =>
  stack.gateway.yoga.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html' } });

describe('switches', () => {
  it('are on by default', () => {
    expect(loadConfig({}).switches).toEqual({ introspection: true, graphiql: true, fieldSuggestions: true });
  });

  it('introspection: answered when on, refused with GRAPHQL_VALIDATION_FAILED when off; __typename stays', async () => {
    expect((await on.gql('{ __schema { queryType { name } } }')).data).toEqual({
      __schema: { queryType: { name: 'Query' } },
    });
    const refused = await off.gql('{ __schema { queryType { name } } }');
    expect(refused.data).toBeUndefined();
    expect(refused.errors).toEqual([
      expect.objectContaining({
        message:
          'Introspection is turned off on this gateway (GRAPHQL_INTROSPECTION=false): the operation asks for "__schema".',
        extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
      }),
    ]);
    expect((await off.gql('{ __type(name: "Job") { name } }')).errors?.[0]?.extensions?.code).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
    expect((await off.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('GraphiQL: served when on, not when off', async () => {
    const page = await graphiqlPage(on);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('Fine-tuning gateway');
    const none = await graphiqlPage(off);
    expect(none.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(await none.text()).not.toContain('Fine-tuning gateway');
  });

  it('field suggestions: "Did you mean" when on, absent when off', async () => {
    const suggested = await on.gql('{ baseModels { nam } }');
    expect(suggested.errors?.[0]?.message).toBe('Cannot query field "nam" on type "BaseModel". Did you mean "name"?');
    const plain = await off.gql('{ baseModels { nam } }');
    expect(plain.errors?.[0]).toMatchObject({
      message: 'Cannot query field "nam" on type "BaseModel".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(JSON.stringify(plain)).not.toContain('Did you mean');
  });
});
