/**
 * Whether a Redis answers at REDIS_URL (default 127.0.0.1:6379), asked once per spec file before its
 * tests are collected. Specs that need one skip, saying why, where none answers: a fresh clone's
 * `npm test` then passes without Redis, as the browser specs do without Chromium. The probe has an
 * error listener and never retries, so an absent Redis prints no "Unhandled error event".
 */
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function probe(url: string): Promise<string | null> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let failure: string | null = null;
  redis.on('error', (error: Error) => {
    failure ??= error.message;
  });
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return failure ?? (error as Error).message;
  } finally {
    redis.disconnect();
  }
}

const failure = await probe(REDIS_URL);

/** True when a Redis answered PING at REDIS_URL. */
export const REDIS = failure === null;

/** Appended to the title of a skipped suite: why it was skipped and how to run it. */
export const REDIS_SKIP_REASON = REDIS
  ? ''
  : ` (SKIPPED: no Redis answers at REDIS_URL=${new URL(REDIS_URL).host} (${failure}); start one with \`redis-server --port 6379 --save ''\` or set REDIS_URL)`;
