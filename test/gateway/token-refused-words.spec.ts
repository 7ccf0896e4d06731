/**
 * What broke (trial 2, finding 7): a token the upstream refused (HTTP 401) reached the caller in the
 * upstream's words alone: on Nscale just `unknown token`, saying neither which credential nor what to
 * do. Now UNAUTHENTICATED says, in the gateway's words, that the provider refused the Authorization
 * bearer token, quotes the upstream's reason, and says what to send, on both providers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../harness/stack.js';
import { gatewayGql } from '../harness/together-job.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const WEBSOCKET = '(over WebSocket, connectionParams "authorization").';

describe('a token the upstream refuses', () => {
  it.each([
    [
      'nscale',
      { authorization: 'Bearer made-up-token', 'x-organization-id': 'demo-org' },
      'Authorization: provider nscale refused the bearer token ("unknown token"): send a valid Nscale service token ' +
        `as "Authorization: Bearer <token>" ${WEBSOCKET}`,
    ],
    [
      'together',
      { authorization: 'Bearer made-up-key', 'x-provider': 'together' },
      'Authorization: provider together refused the bearer token ("Invalid API key provided. You can find your API ' +
        'key in your account settings."): send a valid Together API key as "Authorization: Bearer <token>" ' +
        WEBSOCKET,
    ],
  ])(
    'on %s: UNAUTHENTICATED naming the credential, the upstream’s reason and what to do',
    async (_p, headers, said) => {
      const answer = await gatewayGql(stack.gateway, '{ jobs(first: 1) { totalCount } }', {}, headers);
      expect(answer.errors).toEqual([
        expect.objectContaining({ message: said, extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
      ]);
    },
  );
});
