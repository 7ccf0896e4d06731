/**
 * GRAPHQL_FIELD_SUGGESTIONS=false hides every "Did you mean …?" — also the enum-value form, in
 * validation and in a variable's value, which graphql-armor's blockFieldSuggestion misses (its pattern
 * wants a quote right after "Did you mean", and it does not see execution errors): why the gateway
 * keeps its own switch (use-field-suggestions-switch.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../harness/stack.js';

let off: Stack;
beforeAll(async () => {
  off = await startStack({ gateway: { switches: { introspection: true, graphiql: true, fieldSuggestions: false } } });
});
afterAll(() => off.close());

describe('field suggestions off', () => {
  it('an enum value written in the document: the error names it, suggests nothing', async () => {
    const { errors } = await off.gql('{ jobs(status: RUNING) { totalCount } }');
    expect(errors?.[0]).toMatchObject({
      message: 'Value "RUNING" does not exist in "JobStatus" enum.',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('an enum value in a variable: the error names it, suggests nothing', async () => {
    const { errors } = await off.gql('query ($s: JobStatus) { jobs(status: $s) { totalCount } }', { s: 'RUNING' });
    expect(errors?.[0]?.message).toBe(
      'Variable "$s" got invalid value "RUNING"; Value "RUNING" does not exist in "JobStatus" enum.',
    );
  });

  it('an argument name: no suggestion', async () => {
    const { errors } = await off.gql('{ jobs(frist: 2) { totalCount } }');
    expect(errors?.[0]?.message).toBe('Unknown argument "frist" on field "Query.jobs".');
  });
});
