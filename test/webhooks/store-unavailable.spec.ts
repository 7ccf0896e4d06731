/**
 * Which database errors the webhook API answers as SERVICE_UNAVAILABLE, and how: a connection that
 * could not be made, or one lost under the operation; every other error (a constraint, a bug) is left
 * as it was, to be masked and logged as INTERNAL_SERVER_ERROR.
 */
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { unreachable, withStoreUnavailable } from '../../src/webhooks/store-unavailable.js';
import { QueryTimeoutError } from '../../src/webhooks/store/bounded-pool.js';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('the webhook database out of reach', () => {
  it('tells a connection not made from one lost, and nothing else', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ETIMEDOUT', '57P03', '53300'])
      expect(unreachable(coded('x', code)), code).toBe('not-connected');
    expect(unreachable(new Error('timeout exceeded when trying to connect'))).toBe('not-connected');
    for (const code of ['ECONNRESET', 'EPIPE', '57P01', '57P02', '08006', '08003'])
      expect(unreachable(coded('x', code)), code).toBe('lost');
    expect(unreachable(new Error('Connection terminated unexpectedly'))).toBe('lost');
    // The store's query bound (bounded-pool.ts): told by its class, not by its message.
    const timeout = new QueryTimeoutError(5_000, { cause: new Error('Query read timeout') });
    expect(timeout.message).toBe('PostgreSQL did not answer a query within 5000 ms: its connection is given up');
    expect(timeout.code).toBe('GATEWAY_QUERY_TIMEOUT');
    expect(unreachable(timeout)).toBe('lost');
    expect(unreachable(new Error(timeout.message))).toBeNull();
    // A unique violation, a syntax error, a serialization failure, a plain bug: not an outage.
    for (const code of ['23505', '42601', '40001', 'ERR_INVALID_ARG_TYPE', '0800'])
      expect(unreachable(coded('x', code)), code).toBeNull();
    expect(unreachable(new TypeError('cannot read properties of undefined'))).toBeNull();
    expect(unreachable('ECONNREFUSED')).toBeNull();
  });

  it('answers reads and changes with the message that fits, and passes every other error through', async () => {
    const failing = (error: unknown) => async () => Promise.reject(error);
    const store = withStoreUnavailable({
      listEndpoints: failing(coded('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED')),
      getEndpoint: failing(coded('read ECONNRESET', 'ECONNRESET')),
      createEndpoint: failing(new Error('Connection terminated unexpectedly')),
      deleteEndpoint: failing(coded('duplicate key value violates unique constraint', '23505')),
    } as unknown as WebhookStore);
    const owner = { provider: 'nscale', account: 'org' } as never;

    const notConnected = await store.listEndpoints(owner).catch((error: unknown) => error);
    expect(notConnected).toBeInstanceOf(GraphQLError);
    expect((notConnected as GraphQLError).extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    expect((notConnected as GraphQLError).message).toMatch(/cannot be reached: nothing was read or changed/);
    expect((notConnected as GraphQLError).message).not.toContain('10.0.0.5');

    const lostRead = (await store.getEndpoint(owner, 'e').catch((error: unknown) => error)) as GraphQLError;
    expect(lostRead.message).toBe(
      'This gateway lost its database (DATABASE_URL) during the operation. Try again shortly.',
    );
    const lostChange = (await store
      .createEndpoint({} as never, 1, new Date())
      .catch((error: unknown) => error)) as GraphQLError;
    expect(lostChange.message).toMatch(
      /the change may or may not have been made\. Read it back before trying again\.$/,
    );

    const other = await store.deleteEndpoint(owner, 'e').catch((error: unknown) => error);
    expect(other).not.toBeInstanceOf(GraphQLError);
    expect((other as { code: string }).code).toBe('23505');
  });
});
