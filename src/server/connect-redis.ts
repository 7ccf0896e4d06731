/**
 * Opens a Redis connection, loading ioredis on first use: a gateway without REDIS_URL never loads it
 * (it is about 20 MiB of resident memory once imported). ioredis is CommonJS, so a synchronous
 * require serves the synchronous call sites.
 *
 * The database (`REDIS_URL`'s `/5`) is held to: when the server refuses it (`SELECT 99` on a server
 * with 16 databases: `ERR DB index is out of range`), ioredis reports the error and goes on, ready,
 * on database 0, where the gateway's keys then landed (another deployment's database, under a realm
 * named after this one's: redis-realm.ts). Here such a connection is dropped before it is ready, so
 * nothing is read or written anywhere, and reconnects as after an outage (its commands wait, and fail
 * after ioredis's retries); it is used once the server accepts the database.
 *
 * Such a refusal, and a refusal of the connection's credentials, is a configuration error, not an
 * outage: `redisRefusal` tells it apart by Redis's reply, and `handshakeAnswer` waits for that reply
 * at start (gateway-redis.ts stops the start on a refusal, and keeps an unreachable Redis an outage).
 */
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

const require = createRequire(import.meta.url);
let ioredis: typeof import('ioredis') | undefined;

export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  ioredis ??= require('ioredis') as typeof import('ioredis');
  const redis = new ioredis.Redis(url, options);
  // The first listener, called in the error's emission, before the ready check's answer is read and
  // before the commands that the error failed hear of it: the connection never becomes ready on
  // database 0, its offline queue is never sent there, and no one logs the AUTH command's password.
  redis.on('error', (error: unknown) => {
    const command = commandOf(error);
    if (command?.name === 'auth' && Array.isArray(command.args)) command.args = command.args.map(() => '[redacted]');
    if (command?.name === 'select') redis.disconnect(true);
  });
  return redis;
}

/** Why Redis refused a connection: its credentials, its database, a command the handshake needs, or another setting. */
export type RefusalKind = 'credentials' | 'database' | 'permission' | 'other';

export interface RedisRefusal {
  kind: RefusalKind;
  /** Redis's reply, as it gave it (`WRONGPASS invalid username-password pair or user is disabled.`). */
  reply: string;
}

/** Replies that say "not now" (loading, busy, full, failing over), never "not you": an outage's. */
const TRANSIENT = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b|max number of clients/i;
const CREDENTIALS = /^(NOAUTH|WRONGPASS)\b|^ERR invalid (username-)?password/i;
/** What ioredis sends before a connection is ready: AUTH, SELECT, and its ready check (INFO). */
const HANDSHAKE = new Set(['auth', 'select', 'info']);

/**
 * Redis's refusal when `error` is one (a reply that refuses the connection's handshake: credentials,
 * database or permission, which no retry fixes), else null: a connection that failed or closed, or a
 * reply that asks to come back later, is an outage's.
 */
export function redisRefusal(error: unknown): RedisRefusal | null {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return null;
  const reply = error.message;
  if (TRANSIENT.test(reply)) return null;
  if (CREDENTIALS.test(reply)) return { kind: 'credentials', reply };
  const name = commandOf(error)?.name;
  if (typeof name !== 'string' || !HANDSHAKE.has(name)) return null;
  if (/^NOPERM\b/.test(reply)) return { kind: 'permission', reply };
  if (name === 'auth') return { kind: 'credentials', reply };
  return { kind: name === 'select' ? 'database' : 'other', reply };
}

/** A connection's first answer at start: accepted, refused (by Redis's reply), or none (down, unreachable). */
export type HandshakeAnswer = { accepted: true } | { refused: RedisRefusal } | { unreachable: true };

/**
 * Resolves with Redis's first answer to the connection's handshake (AUTH, SELECT): accepted once it
 * is ready, or once Redis answers a command sent after them (an INFO of our own, which Redis runs
 * while it loads its data: ioredis's ready check would wait for the load to end); refused on a
 * refusal (`redisRefusal`); unreachable when the connection fails or closes without one. It does not
 * time out: the caller bounds the wait (ioredis's connect timeout bounds a connection that never opens).
 */
export function handshakeAnswer(redis: Redis): { answer: Promise<HandshakeAnswer>; stop(): void } {
  let stop = () => {};
  const answer = new Promise<HandshakeAnswer>((resolve) => {
    if (redis.status === 'ready') return resolve({ accepted: true });
    const done = (first: HandshakeAnswer) => {
      stop();
      resolve(first);
    };
    const onError = (error: unknown) => {
      const refusal = redisRefusal(error);
      done(refusal ? { refused: refusal } : { unreachable: true });
    };
    const onReady = () => done({ accepted: true });
    const onClosed = () => done({ unreachable: true });
    const onConnect = () => {
      if (redis.status !== 'connect') return;
      // Answered after AUTH and SELECT, whose refusal, if any, is emitted (from a promise reaction)
      // before the macrotask below runs. A success, or NOPERM (this user may not run INFO: ioredis
      // skips its ready check then), says the handshake passed; any other failure reaches 'error' too.
      const answered = (error?: unknown) => {
        if (error === undefined || (error instanceof Error && /^NOPERM\b/.test(error.message)))
          setImmediate(() => done({ accepted: true }));
      };
      redis.info('server').then(() => answered(), answered);
    };
    redis.on('error', onError).on('ready', onReady).on('connect', onConnect).on('close', onClosed).on('end', onClosed);
    stop = () => {
      redis.off('error', onError).off('ready', onReady).off('connect', onConnect);
      redis.off('close', onClosed).off('end', onClosed);
    };
  });
  return { answer, stop: () => stop() };
}

function commandOf(error: unknown): { name?: unknown; args?: unknown } | undefined {
  return (error as { command?: { name?: unknown; args?: unknown } } | null)?.command;
}
