/**
 * Issue 17, item 7, the smaller holes: `/healthz` tells a stranger nothing about what serves it, and
 * a multipart `operations` field past its limit is refused as too large, not as malformed JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe('/healthz', () => {
  it('answers 200 without x-yoga-id', async () => {
    const response = await stack.gateway.yoga.fetch('http://gateway.test/healthz');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-yoga-id')).toBeNull();
  });
});

describe('a multipart operations field', () => {
  it('past 1 MiB is refused with 413, saying it is too large and the limit', async () => {
    const boundary = 'limit-boundary';
    const operations = JSON.stringify({ query: `{ __typename } # ${'x'.repeat(1024 * 1024)}`, variables: {} });
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--${boundary}--\r\n`;
    const response = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        accept: 'application/graphql-response+json',
        'graphql-require-preflight': '1',
        ...headersFor(DEMO),
      },
      body,
    });
    expect(response.status).toBe(413);
    expect((await response.json()).errors).toEqual([
      {
        message:
          'Multipart field "operations" is larger than the limit of 1048576 bytes (1 MiB) for the operations and their file map.',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
  });
});
