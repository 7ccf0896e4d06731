/**
 * Variables nested deeper than any input of the API are refused before anything walks them: HTTP
 * 400, BAD_USER_INPUT naming `variables`, and no error in the gateway's log. Found in a trial: a
 * body of 20,000 nested objects (any credentials, made up or not) overflowed the stack in the
 * response cache's key, answered a masked internal error and logged an error-level stack each time.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

/** An object `depth` levels deep, as JSON (JSON.stringify of it would overflow this process's stack too). */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('deeply nested variables', () => {
  let stack: Stack;
  const lines: string[] = [];
  beforeAll(async () => {
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    stack = await startStack({ http: true, logger });
  });
  afterAll(() => stack.close());

  const post = async (variable: string, creds = DEMO) => {
    const res = await fetch(`${stack.server!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersFor(creds) },
      body: `{"query":"query($x: ID!) { job(id: $x) { id } }","variables":{"x":${variable}}}`,
    });
    return { status: res.status, body: (await res.json()) as { errors?: Array<{ message: string; extensions: any }> } };
  };

  it.each([
    { who: 'the demo tenant', creds: DEMO },
    { who: 'a made-up token', creds: { token: 'made-up-123', organizationId: 'org-x' } },
  ])('20,000 levels from $who: 400 naming variables, nothing logged as an error', async ({ creds }) => {
    for (let i = 0; i < 2; i++) {
      const answer = await post(nested(20_000), creds);
      expect(answer).toEqual({
        status: 400,
        body: {
          errors: [
            {
              message: 'variables: nested more than 32 levels deep; no input of this API goes deeper than a few.',
              extensions: { code: 'BAD_USER_INPUT', field: 'variables' },
            },
          ],
        },
      });
    }
    expect(lines.filter((l) => JSON.parse(l).level >= 50)).toEqual([]);
  });

  it('a variable a few levels deep is read as before (here refused by its type, not its depth)', async () => {
    const answer = await post(nested(5));
    expect(answer.status).toBe(200);
    expect(answer.body.errors?.[0]?.message).toMatch(/ID cannot represent value/);
  });
});
