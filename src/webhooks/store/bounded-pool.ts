/**
 * `pg`'s pool as Kysely sees it, each query bounded in time (open-store.ts, connectPostgres). pg waits
 * for a query's answer as long as the connection stays open: a PostgreSQL that stops answering
 * without closing it (frozen, a network path that drops packets, a proxy stuck) would hold the
 * caller, and the pooled connection, until it came back (12 min 56 s in an operator's trial).
 *
 * A query not answered within the bound is rejected with a QueryTimeoutError, a connection lost: the
 * webhook API answers it with SERVICE_UNAVAILABLE (src/webhooks/store-unavailable.ts, `unreachable`),
 * saying that a change under way may or may not have been committed. Its connection takes no more
 * queries (a transaction's ROLLBACK fails at once, with the same error, rather than waiting behind the
 * query) and is destroyed when released, never handed to another caller.
 */
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

/** pg's error for a query not answered within `query_timeout`. */
const READ_TIMEOUT = 'Query read timeout';

/**
 * A query PostgreSQL did not answer within the bound, and so the connection given up: to the caller,
 * a connection lost under the operation (store-unavailable.ts tells it by its class). `code` names it
 * in logs; pg's own error is its `cause`.
 */
export class QueryTimeoutError extends Error {
  readonly code = 'GATEWAY_QUERY_TIMEOUT';

  constructor(boundMs: number | undefined, options?: ErrorOptions) {
    super(`PostgreSQL did not answer a query within ${boundMs} ms: its connection is given up`, options);
    this.name = 'QueryTimeoutError';
  }
}

function boundedClient(client: pg.PoolClient, boundMs: () => number | undefined): PostgresPoolClient {
  let lost: Error | null = null;
  const bounded = async (sql: string, parameters: readonly unknown[] | undefined) => {
    if (lost) throw lost;
    const bound = boundMs();
    const config = { text: sql, values: parameters as unknown[], ...(bound ? { query_timeout: bound } : {}) };
    try {
      return await client.query(config as pg.QueryConfig);
    } catch (error) {
      if (!(error instanceof Error) || error.message !== READ_TIMEOUT) throw error;
      lost = new QueryTimeoutError(bound, { cause: error });
      throw lost;
    }
  };
  // Kysely's streaming passes a Cursor (not used by the store), which pg returns as it is, at once.
  const query = (sql: unknown, parameters?: readonly unknown[]) =>
    typeof sql === 'string' ? bounded(sql, parameters) : client.query(sql as pg.QueryConfig);
  return {
    query: query as unknown as PostgresPoolClient['query'],
    release(destroy?: boolean) {
      client.release(Boolean(destroy) || lost !== null);
    },
    // Kysely reads it to cancel a query (not used by the store).
    get processID() {
      return (client as { processID?: number }).processID;
    },
  } as PostgresPoolClient;
}

/**
 * `pool` for Kysely's PostgresDialect, each query bounded by `boundMs()` (undefined: unbounded). One
 * wrapper per pg client, so that Kysely, which keeps a connection object per client, sees the same one.
 */
export function boundedPool(pool: pg.Pool, boundMs: () => number | undefined): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    Client: (pool as { Client?: PostgresPool['Client'] }).Client,
    options: pool.options,
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = boundedClient(client, boundMs)));
      return wrapper;
    },
  };
}
