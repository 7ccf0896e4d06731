/**
 * The gateway's Redis connections (REDIS_URL), opened here and only here, handed to what needs them,
 * with one error handler, one readiness check and one close:
 *
 * - `publisher` and `subscriber` for live updates (a connection in subscriber mode can run nothing
 *   else, so pub/sub needs its own);
 * - `rateLimit`, only when the rate limit is on: it fails fast (no offline queue, one retry) so that
 *   a Redis outage never holds a request up; the limit then counts in memory (create-rate-limit.ts);
 * - `responseCache`, only with the response cache's Redis store: failing fast too, with a command
 *   timeout, so that a slow or absent Redis is a cache miss, never a request held up.
 *
 * Readiness (`problem`, on `/readyz`): an instance that cannot reach Redis still serves queries,
 * mutations and its own pollers' subscriptions; what it cannot do is live updates across instances.
 * That is said (readiness body, logs) but leaves the instance ready (readiness-response.ts,
 * `degradedOnly`): a Redis outage is every instance's at once, and turning them all not-ready would
 * leave the load balancer nothing to send any request to. Only the publisher and subscriber count
 * there: the rate limit's and the response cache's connections have their fallbacks. A server that
 * refuses REDIS_URL's database (connect-redis.ts) is a configuration error, not an outage: the
 * instance is not ready until it is fixed, and says why.
 *
 * At start (`checkAtStart`) the difference is made by Redis's reply to each connection's handshake:
 * a refusal (credentials, database, permission: connect-redis.ts) stops the start with a StartError
 * naming REDIS_URL, its password masked, so that no instance starts half-working; a Redis that is down
 * or cannot be reached lets it start, degraded as above, because a Redis restart during a rolling
 * deploy must not take the fleet down. A refusal met later (Redis restarted with other credentials) is
 * logged as one, once, and leaves readiness as before: 503 for the database, degraded for the rest.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import {
  connectRedis,
  handshakeAnswer,
  redisRefusal,
  type HandshakeAnswer,
  type RedisRefusal,
} from './connect-redis.js';
import { degradedOnly } from './readiness-response.js';
import { redisDatabase } from './redis-realm.js';
import { StartError } from './start-error.js';

/** Opens one connection (ioredis by default; tests may count or refuse connections). */
export type RedisFactory = (url: string, options?: RedisOptions) => Redis;

export interface GatewayRedis {
  publisher: Redis;
  subscriber: Redis;
  rateLimit: Redis | null;
  responseCache: Redis | null;
  /**
   * What is wrong with Redis now, or null: REDIS_URL's database refused (the instance is not ready),
   * or Redis refusing REDIS_URL otherwise (its credentials, a permission) or unreachable (both marked
   * `degradedOnly`: live updates across instances wait, the instance stays ready).
   */
  problem(): string | null;
  /**
   * Resolves once Redis has answered every connection's handshake, or could not be reached (a
   * connection that fails or closes, or no answer within `START_ANSWER_MS`: the start goes on, as
   * through any outage); rejects with a StartError naming REDIS_URL when Redis refused one of them.
   * Refusals met meanwhile are the StartError's to tell: they are not logged.
   */
  checkAtStart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * ioredis resubscribes by itself after a reconnection, with a promise nobody can handle: when the
 * connection drops again before Redis answers and stays down for its 20 retries, that promise rejects
 * unhandled, which ends the process. The subscriber's users resubscribe on 'ready' themselves
 * (redis-channels.ts, eviction-broadcast.ts), handling the failure.
 */
const RESUBSCRIBED_BY_US: RedisOptions = { autoResubscribe: false };
const FAIL_FAST: RedisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false };
/** A cached answer not read within this is a miss (the request then runs). */
const CACHE_COMMAND_TIMEOUT_MS = 500;
/**
 * The longest the start waits for Redis's answer (a Redis stopped with its port open never answers).
 * It only ends the wait, never decides a refusal: without an answer by then, Redis is treated as
 * unreachable, and a refusal that comes later is logged as one (`watchConnection`).
 */
const START_ANSWER_MS = 5_000;

/** What the connections' watchers share: the refusals now, and whether the start is checking them. */
interface Watch {
  logger: Logger;
  refusals: Map<Redis, RedisRefusal>;
  checking: boolean;
}

export function openGatewayRedis(
  url: string,
  options: { logger: Logger; rateLimit: boolean; responseCache?: boolean; connect?: RedisFactory | undefined },
): GatewayRedis {
  const connect = options.connect ?? connectRedis;
  const publisher = connect(url);
  const subscriber = connect(url, RESUBSCRIBED_BY_US);
  const rateLimit = options.rateLimit ? connect(url, FAIL_FAST) : null;
  const responseCache = options.responseCache
    ? connect(url, { ...FAIL_FAST, commandTimeout: CACHE_COMMAND_TIMEOUT_MS })
    : null;
  const roles = {
    publisher,
    subscriber,
    ...(rateLimit ? { rateLimit } : {}),
    ...(responseCache ? { responseCache } : {}),
  };
  const watch: Watch = { logger: options.logger, refusals: new Map(), checking: false };
  for (const [role, redis] of Object.entries(roles)) watchConnection(redis, role, watch);
  return {
    publisher,
    subscriber,
    rateLimit,
    responseCache,
    problem() {
      // The URL is not shown: it may hold a password.
      const [refusal] = watch.refusals.values();
      if (refusal?.kind === 'database') return refusedDatabaseMessage(refusal.reply);
      if (refusal) return degradedOnly(refusedMessage(refusal.reply));
      const down = [publisher, subscriber].find((redis) => redis.status !== 'ready');
      return down
        ? degradedOnly(
            `Redis (REDIS_URL) cannot be reached (connection ${down.status}): live updates across instances ` +
              'are unavailable until it is back; queries and mutations are served.',
          )
        : null;
    },
    async checkAtStart() {
      watch.checking = true;
      try {
        const refusal = await firstRefusal(Object.values(roles));
        if (refusal) throw new StartError(refusedAtStartMessage(url, refusal));
      } finally {
        watch.checking = false;
      }
    },
    async close() {
      await Promise.all(Object.values(roles).map(closeConnection));
    },
  };
}

/** The first refusal among the connections' answers to their handshakes, or null (all accepted or unreachable). */
async function firstRefusal(connections: Redis[]): Promise<RedisRefusal | null> {
  const checks = connections.map(handshakeAnswer);
  const refusalIn = (answers: HandshakeAnswer[]) =>
    answers.flatMap((answer) => ('refused' in answer ? [answer.refused] : []))[0] ?? null;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      // The first refusal ends the wait; otherwise every connection's answer, or the bound.
      ...checks.map((check) => check.answer.then((answer) => refusalIn([answer]) ?? new Promise<never>(() => {}))),
      Promise.all(checks.map((check) => check.answer)).then(refusalIn),
      new Promise<null>((resolve) => (timer = setTimeout(resolve, START_ANSWER_MS, null))),
    ]);
  } finally {
    clearTimeout(timer);
    for (const check of checks) check.stop();
  }
}

/** REDIS_URL as a message may show it: a password, in the URL or its query, never shown. */
export function maskedRedisUrl(url: string): string {
  if (!URL.canParse(url)) return '[an unreadable URL]';
  const { protocol, username, password, host, pathname, search } = new URL(url);
  const auth = username || password ? `${username}${password ? ':***' : ''}@` : '';
  return `${protocol}//${auth}${host}${pathname}${search ? '?…' : ''}`;
}

function refusedAtStartMessage(url: string, { kind, reply }: RedisRefusal): string {
  const fix = {
    credentials: /^NOAUTH\b/.test(reply)
      ? 'The server requires a password: put it in REDIS_URL (redis://:PASSWORD@host:port/db, or ' +
        'redis://USER:PASSWORD@host:port/db for an ACL user)'
      : "Set REDIS_URL's user name and password to ones the server accepts (its requirepass, or an enabled ACL user)",
    database:
      `Set the database number in REDIS_URL (now ${redisDatabase(url)}) to one the server has (from 0 to its ` +
      "databases setting minus one: 0 to 15 by default), or raise the server's databases setting",
    permission: "Give REDIS_URL's user the permission Redis names (its ACL rules), or use another user",
    other: "Fix REDIS_URL, or the server's configuration",
  }[kind];
  return (
    `REDIS_URL (${maskedRedisUrl(url)}): the Redis server refuses the gateway (${reply.replace(/\.$/, '')}). ` +
    `${fix}. A refusal is a configuration error and stops the start (a Redis that is down or cannot be ` +
    'reached would not: the gateway would start, and wait for it).'
  );
}

function refusedDatabaseMessage(refusal: string): string {
  return (
    `REDIS_URL names a database that the Redis server refuses (${refusal}): a configuration error, not an ` +
    'outage. No other database is used meanwhile; fix the database number in REDIS_URL, or the databases of the server.'
  );
}

function refusedMessage(refusal: string): string {
  return (
    `Redis (REDIS_URL) refuses the gateway (${refusal}): a configuration error, not an outage. Live updates ` +
    'across instances are unavailable until it accepts REDIS_URL again; queries and mutations are served.'
  );
}

/**
 * ioredis reconnects by itself; without a listener its connection errors would be thrown as unhandled
 * 'error' events. Failed commands still reach their callers: pollers back off and end coded, the rate
 * limit counts in memory. An outage is logged when it starts and when the connection is back, not
 * once per reconnection attempt, and without a stack (`connectionOutage`); so is a refusal, as an error naming REDIS_URL, once
 * for all the connections it refuses (not while the start checks them: its StartError tells it), and
 * it is kept in `refusals` (for readiness) until the connection is ready.
 */
function watchConnection(redis: Redis, role: string, watch: Watch): void {
  const { logger, refusals } = watch;
  const outage = connectionOutage(logger, role);
  const message = ({ kind, reply }: RedisRefusal) =>
    kind === 'database' ? refusedDatabaseMessage(reply) : refusedMessage(reply);
  redis.on('error', (error: unknown) => {
    const refusal = redisRefusal(error);
    // While refused, the connection's other errors (its commands failing, its retries running out)
    // are that refusal's, already logged: not an outage.
    if (refusal === null) return refusals.has(redis) ? undefined : outage.failed(error);
    // Once per refusal, not per connection nor per reconnection (every 2 s at most).
    const told = [...refusals.values()].some((known) => known.reply === refusal.reply);
    if (!told && !watch.checking) logger.error({ role }, message(refusal));
    refusals.set(redis, refusal);
  });
  redis.on('ready', () => {
    if (refusals.delete(redis) && refusals.size === 0) logger.info({ role }, 'Redis accepts REDIS_URL now');
    outage.succeeded();
  });
}

/**
 * An outage of one connection in two lines: a warning when it is lost, with the reason (ioredis's
 * message and code, no stack: the same few frames of its socket code at every outage), and an info
 * line with `downMs` and the failed attempts when it is back. Not outage-log.ts's, whose first line
 * carries the whole error.
 */
function connectionOutage(logger: Logger, role: string) {
  let since: number | null = null;
  let failures = 0;
  return {
    failed(error: unknown) {
      failures += 1;
      if (since !== null) return;
      since = Date.now();
      const reason = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: unknown } | null)?.code;
      logger.warn(
        { role, reason, ...(typeof code === 'string' ? { code } : {}) },
        'Redis connection lost; reconnecting (logged again once it is back)',
      );
    },
    succeeded() {
      if (since === null) return;
      logger.info({ role, downMs: Date.now() - since, failures }, 'Redis connection back');
      since = null;
      failures = 0;
    },
  };
}

/**
 * QUIT on a connection that is not ready would wait in its offline queue until Redis is back or
 * ioredis gives up (20 retries, about 10 s), holding the shutdown up: such a connection is dropped.
 */
async function closeConnection(redis: Redis): Promise<void> {
  // disconnect() also stops ioredis's reconnection timer: the connection stays inert.
  if (redis.status !== 'ready') return redis.disconnect();
  await redis.quit().catch(() => redis.disconnect());
}
