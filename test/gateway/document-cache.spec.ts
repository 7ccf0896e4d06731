/**
 * The documents kept between requests (src/server/document-cache.ts). Regression (trial 3): yoga's
 * default cache kept every document that parsed, the invalid ones with their validation errors,
 * bounded by count only: about 1,200 requests without credentials, each naming 250 unknown fields,
 * held 470 MB of heap. Measured here through the cache the gateway built, not the process's memory.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const unknownFields = (n: number) =>
  `{ ${Array.from({ length: n }, () => `f${randomBytes(4).toString('hex')}`).join(' ')} }`;

describe('the document cache', () => {
  it('keeps none of the invalid documents sent without credentials', async () => {
    const documents = stack.gateway.documents;
    const before = { size: documents.size, bytes: documents.retainedBytes };
    for (let i = 0; i < 200; i++) {
      const res = await stack.gql(unknownFields(250), {}, null);
      // graphql-js stops at 100 errors, and says so in a 101st.
      expect(res.errors).toHaveLength(101);
      expect(res.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/^Cannot query field "f[0-9a-f]{8}" on type "Query"\.$/),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      });
    }
    expect({ size: documents.size, bytes: documents.retainedBytes }).toEqual(before);
  });

  it('keeps valid documents within its bound in bytes, the least recently used leaving first', async () => {
    const documents = stack.gateway.documents;
    // Each about 200,000 characters (a long comment): 60 of them are far more than the bound holds.
    const sent = Array.from({ length: 60 }, (_, i) => `# ${i} ${'x'.repeat(200_000)}\nquery Padded${i} { __typename }`);
    for (const query of sent) {
      const res = await stack.gql(query);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ __typename: 'Query' });
      expect(documents.retainedBytes).toBeLessThanOrEqual(documents.maxBytes);
    }
    expect(documents.retainedBytes).toBeGreaterThan(documents.maxBytes / 2);
    expect(documents.size).toBeLessThan(sent.length);
    // The latest is still kept (answered without parsing), the first is not.
    const parses = documents.parses;
    await stack.gql(sent.at(-1)!);
    expect(documents.parses).toBe(parses);
    await stack.gql(sent[0]!);
    expect(documents.parses).toBe(parses + 1);
  });

  it('parses and validates a valid document once, however often it is sent', async () => {
    const documents = stack.gateway.documents;
    const query = `query Models${randomBytes(4).toString('hex')} { baseModels { id } }`;
    const before = { parses: documents.parses, validations: documents.validations };
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await stack.gql(query));
    expect(answers.every((res) => res.errors === undefined && res.data?.baseModels.length > 0)).toBe(true);
    expect({ parses: documents.parses, validations: documents.validations }).toEqual({
      parses: before.parses + 1,
      validations: before.validations + 1,
    });
  });

  it('parses and validates an invalid document again each time: its errors are not kept', async () => {
    const documents = stack.gateway.documents;
    const query = unknownFields(3);
    const before = { parses: documents.parses, validations: documents.validations };
    for (let i = 0; i < 3; i++) expect((await stack.gql(query, {}, null)).errors).toHaveLength(3);
    expect({ parses: documents.parses, validations: documents.validations }).toEqual({
      parses: before.parses + 3,
      validations: before.validations + 3,
    });
  });
});
