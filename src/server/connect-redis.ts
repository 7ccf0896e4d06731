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
 * after ioredis's retries); it is used once the server accepts the database. The refusal is a
 * configuration error, told apart by `databaseRefusal` (gateway-redis.ts logs it and `/readyz` says it).
 */
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

const require = createRequire(import.meta.url);
let ioredis: typeof import('ioredis') | undefined;

export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  ioredis ??= require('ioredis') as typeof import('ioredis');
  const redis = new ioredis.Redis(url, options);
  // Called in the error's emission, before the ready check's answer is read: the connection never
  // becomes ready on database 0, and its offline queue is never sent there.
  redis.on('error', (error: unknown) => {
    if (databaseRefusal(error) !== null) redis.disconnect(true);
  });
  return redis;
}

/** Redis's answer when `error` is its refusal of the connection's database (SELECT), else null. */
export function databaseRefusal(error: unknown): string | null {
  const command = (error as { command?: { name?: unknown } } | null)?.command;
  return command?.name === 'select' && error instanceof Error ? error.message : null;
}
