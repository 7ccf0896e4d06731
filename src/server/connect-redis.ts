/**
 * Opens a Redis connection, loading ioredis on first use: a gateway without REDIS_URL never loads it
 * (it is about 20 MiB of resident memory once imported). ioredis is CommonJS, so a synchronous
 * require serves the synchronous call sites.
 */
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

const require = createRequire(import.meta.url);
let ioredis: typeof import('ioredis') | undefined;

export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  ioredis ??= require('ioredis') as typeof import('ioredis');
  return new ioredis.Redis(url, options);
}
