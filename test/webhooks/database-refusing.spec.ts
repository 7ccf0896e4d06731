/**
 * PostgreSQL up but refusing the gateway's sessions, as an operator's maintenance does
 * (`ALTER DATABASE … ALLOW_CONNECTIONS false`, then the sessions left ended): the server answers each
 * new connection with FATAL 55000 ("database … is not currently accepting connections"). The webhook
 * API answers SERVICE_UNAVAILABLE naming DATABASE_URL, as when the connection is refused outright,
 * not a masked "Unexpected error." (before the fix: INTERNAL_SERVER_ERROR); once connections are
 * allowed again, the same calls work. And the classification itself: which PostgreSQL errors are an
 * outage (the database cannot serve now) and which are bugs, by SQLSTATE and severity.
 */
import { GraphQLError } from 'graphql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unreachable, withStoreUnavailable } from '../../src/webhooks/store-unavailable.js';
import type { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { POSTGRES, POSTGRES_SKIP_REASON, POSTGRES_URL } from '../harness/postgres-available.js';
import { DEMO, eventually, type Stack } from '../harness/stack.js';
import { startWebhookE2E, type WebhookE2E } from './e2e-stack.js';

const LIST = '{ webhookEndpoints { id state } }';
const CREATE =
  'mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id state } } }';
const NOT_CONNECTED =
  "This gateway's database (DATABASE_URL) cannot be reached: nothing was read or changed. Try again shortly.";

/** An error as pg hands it over: a SQLSTATE and the server's severity. */
const pgError = (code: string, severity = 'ERROR') => Object.assign(new Error('x'), { code, severity });

describe('which PostgreSQL errors are an outage of the webhook database', () => {
  it('takes a session the server refuses for one not connected, whatever the reason', () => {
    for (const code of ['57P03', '53300', '08001', '08004'])
      expect(unreachable(pgError(code, 'FATAL')), code).toBe('not-connected');
    // Only as FATAL, the refusal of a session: as ERROR, the same codes are faults of a statement.
    for (const code of ['55000', '3D000', '28P01', '28000'])
      expect(unreachable(pgError(code, 'FATAL')), code).toBe('not-connected');
    for (const code of ['55000', '3D000', '28P01', '28000']) expect(unreachable(pgError(code)), code).toBeNull();
  });

  it('takes a session ended under the operation for one lost, and a server short of resources or read-only for one that cannot serve', () => {
    for (const code of ['57P01', '57P02', '57P04', '57P05', '08000', '08003', '08006', '08007', '08P01'])
      expect(unreachable(pgError(code, 'FATAL')), code).toBe('lost');
    for (const code of ['53000', '53100', '53200', '25006'])
      expect(unreachable(pgError(code)), code).toBe('cannot-serve');
  });

  it('leaves the faults of the queries, and the limits they hit, as bugs', () => {
    // configuration_limit_exceeded, query_canceled (statement_timeout), operator_intervention,
    // system and I/O errors, serialization failure, deadlock, unique violation, internal error.
    for (const code of ['53400', '57014', '57000', '58000', '58030', '40001', '40P01', '23505', 'XX000'])
      expect(unreachable(pgError(code)), code).toBeNull();
    expect(unreachable(pgError('XX000', 'FATAL'))).toBeNull();
  });

  it('tells the caller that nothing was changed when the server could not serve', async () => {
    const store = withStoreUnavailable({
      createEndpoint: async () => Promise.reject(pgError('25006')),
    } as unknown as WebhookStore);
    const refused = (await store.createEndpoint({} as never, 1, new Date()).catch((e: unknown) => e)) as GraphQLError;
    expect(refused).toBeInstanceOf(GraphQLError);
    expect(refused.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    expect(refused.message).toBe(
      "This gateway's database (DATABASE_URL) cannot serve the operation right now (it is out of resources, or read-only): nothing was changed. Try again shortly.",
    );
  });
});

describe.skipIf(!POSTGRES)(`the webhook database refusing connections (SQLSTATE 55000)${POSTGRES_SKIP_REASON}`, () => {
  let e2e: WebhookE2E | undefined;
  let stack: Stack;
  let name = '';
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    e2e = await startWebhookE2E({
      reach: (url) => {
        name = new URL(url).pathname.slice(1);
        return url;
      },
    });
    ({ stack } = e2e);
  }, 60_000);
  afterAll(async () => {
    // Allowed again, if the test failed during the refusal, so that the stack can close.
    if (name) await admin.query(`alter database ${name} allow_connections true`).catch(() => undefined);
    await e2e?.close();
    await admin?.end();
  });

  it('is SERVICE_UNAVAILABLE naming DATABASE_URL, then works again', async () => {
    const created = await stack.gql(CREATE, { i: { url: 'http://127.0.0.1:9/hook', events: ['JOB_COMPLETED'] } }, DEMO);
    expect(created.errors).toBeUndefined();

    await admin.query(`alter database ${name} allow_connections false`);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);

    // A pooled session not yet seen ended is lost under the read; then each new one is refused.
    const refusal = await eventually(
      async () => {
        const answer = await stack.gql(LIST, {}, DEMO);
        expect(answer.errors).toHaveLength(1);
        const [error] = answer.errors!;
        if (error!.message === NOT_CONNECTED) return error;
        expect(error).toMatchObject({
          message: 'This gateway lost its database (DATABASE_URL) during the operation. Try again shortly.',
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        });
        return undefined;
      },
      15_000,
      'a read refused by the database',
    );
    expect(refusal.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    const change = await stack.gql(CREATE, { i: { url: 'http://127.0.0.1:9/hook', events: ['JOB_FAILED'] } }, DEMO);
    expect(change.errors).toEqual([
      expect.objectContaining({ message: NOT_CONNECTED, extensions: { code: 'SERVICE_UNAVAILABLE' } }),
    ]);
    expect(JSON.stringify(change)).not.toContain(name);

    await admin.query(`alter database ${name} allow_connections true`);
    const back = await eventually(
      async () => {
        const answer = await stack.gql(LIST, {}, DEMO);
        return answer.errors ? undefined : answer;
      },
      15_000,
      'the endpoints listed again',
    );
    expect(back.data!.webhookEndpoints).toEqual([
      { id: created.data!.createWebhookEndpoint.endpoint.id, state: 'ACTIVE' },
    ]);
  }, 60_000);
});
