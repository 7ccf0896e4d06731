/**
 * The webhook database (DATABASE_URL) out of reach, said to the caller in the gateway's vocabulary:
 * SERVICE_UNAVAILABLE with a message naming the setting and what the caller may assume, instead of a
 * masked INTERNAL_SERVER_ERROR. Only the API's store is wrapped (webhook-api-services.ts): the
 * watcher and the delivery worker log their own failures and try again on their next turn.
 *
 * Three cases: the connection could not be made or the server refused the session (nothing was read
 * or changed: safe to try again); it was lost during the operation (a change may have been committed:
 * read it back first); or the server was reached but cannot run statements now, out of resources or
 * read-only (the statement was rolled back: nothing was changed). Which PostgreSQL errors are
 * outages, and which are bugs, is said at `postgresOutage`.
 */
import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors/gateway-error.js';
import { QueryTimeoutError } from './store/bounded-pool.js';
import type { WebhookStore } from './webhook-store.js';

type Unreachable = 'not-connected' | 'lost' | 'cannot-serve';

/** Node's codes for a connection that could not be made, and for one lost. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);
const LOST = new Set(['ECONNRESET', 'EPIPE']);

/**
 * PostgreSQL's SQLSTATEs (Appendix A of its manual) that mean "the database cannot serve now": an
 * outage, a state of the server that its operator changes or that passes, never a fault of this
 * gateway's queries. Every other code (a constraint, a syntax error, a serialization failure, an
 * internal error) is a bug to be masked and logged as INTERNAL_SERVER_ERROR, and so are the codes
 * left out below, each for its reason.
 *
 * The session refused (`not-connected`: no statement ran, nothing was read or changed):
 * - 57P03 cannot_connect_now: the server is starting, stopping or in recovery.
 * - 53300 too_many_connections: no connection slot left.
 * - 08001, 08004: the connection could not be established, or the server rejected it.
 * Only with severity FATAL, the server's refusal of a session (these codes also name faults of
 * statements, as ERROR: `currval` before `nextval` is 55000, a query naming another database 3D000):
 * - 55000 object_not_in_prerequisite_state: "database … is not currently accepting connections"
 *   (`ALTER DATABASE … ALLOW_CONNECTIONS false`, during maintenance).
 * - 3D000 invalid_catalog_name: the database does not exist. It did at start (the migrations ran),
 *   so it was dropped or is being restored (`pg_restore --clean --create`), or a failover reached a
 *   server without it.
 * - Class 28 (invalid authorization): the server no longer accepts the gateway's credentials (a
 *   password rotated, pg_hba.conf changed). The operator's to fix, not a fault of a query; the
 *   delivery worker's log names the cause.
 *
 * The session lost under the operation (`lost`: a change may or may not have been committed):
 * - The gateway's own QueryTimeoutError (store/bounded-pool.ts): PostgreSQL did not answer a query
 *   within the store's bound, and the connection was given up.
 * - Class 08 (connection exception), 08P01 protocol_violation included: PgBouncer reports its own
 *   outages under it ("pgbouncer cannot connect to server", "no more connections allowed").
 * - 57P01 admin_shutdown, 57P02 crash_shutdown, 57P04 database_dropped, 57P05 idle_session_timeout:
 *   the server ended the session (a restart, a crash, `pg_terminate_backend`, a session idle too long).
 *
 * The server reached but unable to run the statement now (`cannot-serve`: the statement, or its
 * transaction, was rolled back, nothing was changed; each change of the API is one transaction):
 * - 53000 insufficient_resources, 53100 disk_full, 53200 out_of_memory.
 * - 25006 read_only_sql_transaction: the server is read-only (DATABASE_URL reaches a standby after
 *   a failover, or `default_transaction_read_only` is set for maintenance). The gateway never opens a
 *   read-only transaction itself, so this is never its own fault.
 *
 * Left out: 53400 configuration_limit_exceeded (a limit the operation itself exceeds, such as
 * max_locks_per_transaction: the same at every try until a setting or a query changes); 57014
 * query_canceled (statement_timeout, on queries meant to be short: a slow query or a lock held, to
 * be logged); 57000 operator_intervention (generic, not an outage as such); class 58 (system error:
 * an I/O error, a missing file: a damaged server, to be logged loudly); 40001 and 40P01
 * (serialization failure, deadlock: a concurrency fault of the queries).
 */
const SESSION_REFUSED = new Set(['57P03', '53300', '08001', '08004']);
const SESSION_REFUSED_IF_FATAL = new Set(['55000', '3D000']);
const SESSION_ENDED = new Set(['57P01', '57P02', '57P04', '57P05']);
const CANNOT_SERVE = new Set(['53000', '53100', '53200', '25006']);

/** How a PostgreSQL error (by its SQLSTATE and severity) says the database cannot serve now; null when it does not. */
function postgresOutage(code: string, severity: unknown): Unreachable | null {
  const fatal = severity === 'FATAL';
  if (SESSION_REFUSED.has(code)) return 'not-connected';
  if (fatal && (SESSION_REFUSED_IF_FATAL.has(code) || /^28[0-9A-Z]{3}$/.test(code))) return 'not-connected';
  if (SESSION_ENDED.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return 'lost';
  if (CANNOT_SERVE.has(code)) return 'cannot-serve';
  return null;
}

/** Whether `error` (from pg, Node's sockets or the store's query bound) says the database cannot serve now, and how. */
export function unreachable(error: unknown): Unreachable | null {
  if (!(error instanceof Error)) return null;
  // A query not answered within the store's bound: its connection given up under the operation.
  if (error instanceof QueryTimeoutError) return 'lost';
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  if (typeof code === 'string') {
    if (NOT_CONNECTED.has(code)) return 'not-connected';
    if (LOST.has(code)) return 'lost';
    const outage = postgresOutage(code, severity);
    if (outage) return outage;
  }
  // pg's own, without a code: its pool's connection timeout, and its socket closed under a query
  // ("Connection terminated…"; the store's query bound is told above, by its class).
  if (error.message === 'timeout exceeded when trying to connect') return 'not-connected';
  if (error.message.startsWith('Connection terminated')) return 'lost';
  return null;
}

/** The methods that change something: a connection lost under them leaves the change uncertain. */
const CHANGES = new Set<string>([
  'createEndpoint',
  'updateEndpoint',
  'rotateSecret',
  'deleteEndpoint',
  'redeliver',
  'claimCreationKey',
  'finishCreationKey',
  'settleCreationKey',
  'retakeCreationKey',
] satisfies (keyof WebhookStore)[]);

function storeUnavailable(how: Unreachable, changes: boolean): GraphQLError {
  const message =
    how === 'not-connected'
      ? "This gateway's database (DATABASE_URL) cannot be reached: nothing was read or changed. Try again shortly."
      : how === 'cannot-serve'
        ? "This gateway's database (DATABASE_URL) cannot serve the operation right now " +
          '(it is out of resources, or read-only): nothing was changed. Try again shortly.'
        : changes
          ? 'This gateway lost its database (DATABASE_URL) during the operation: ' +
            'the change may or may not have been made. Read it back before trying again.'
          : 'This gateway lost its database (DATABASE_URL) during the operation. Try again shortly.';
  return gatewayError('SERVICE_UNAVAILABLE', message);
}

/** `store` whose methods reject with SERVICE_UNAVAILABLE where the database could not be reached. */
export function withStoreUnavailable(store: WebhookStore): WebhookStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      return (...args: unknown[]) =>
        (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch((error: unknown) => {
          const how = unreachable(error);
          throw how ? storeUnavailable(how, CHANGES.has(name)) : error;
        });
    },
  });
}
