/**
 * REDIS_URL naming a database the server does not have (`/99` on a server with 16). An operator
 * trial: ioredis logged `ERR DB index is out of range` as "Redis connection lost; reconnecting",
 * then "Redis connection back", `/readyz` said ready, and the gateway's keys landed in database 0
 * (named after database 99: another deployment's database, under this one's realm). Then the
 * gateway started, not ready (503), until the database was fixed. Now the start fails: a StartError
 * naming REDIS_URL, Redis's answer and the fix (main.ts prints it and exits 1, nothing written to any
 * database: test/server/redis-refused-at-start.spec.ts). A server that refuses the database only
 * after a restart: redis-refused-later.spec.ts.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { maskedRedisUrl } from '../../src/server/gateway-redis.js';
import { StartError, startFromConfig } from '../../src/server/start.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';

/** The first database index the server does not have (its `databases`, 16 unless configured). */
async function missingDatabase(redis: Redis): Promise<number> {
  try {
    const [, value] = (await redis.config('GET', 'databases')) as [string, string];
    return Number(value);
  } catch {
    return 99; // CONFIG refused (a managed Redis): far past the usual 16.
  }
}

describe.skipIf(!REDIS)(`REDIS_URL naming a database the server refuses${REDIS_SKIP_REASON}`, () => {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  let outside: Redis;
  let url: string;
  let database: number;

  beforeAll(async () => {
    outside = new Redis(REDIS_URL); // asked how many databases the server has
    database = await missingDatabase(outside);
    const target = new URL(REDIS_URL);
    target.pathname = `/${database}`;
    url = target.href;
  });
  afterAll(async () => {
    await outside?.quit();
  });

  it('refuses the start, naming REDIS_URL (no password shown), the refusal and the fix; logs no outage', async () => {
    const settings = loadConfig({ PORT: '0', HOST: '127.0.0.1', METRICS_ENABLED: 'false', REDIS_URL: url });
    const refused = await startFromConfig(settings, logger).then(
      async (running) => {
        await running.close();
        return null;
      },
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(StartError);
    const message = (refused as Error).message;
    expect(message.startsWith(`REDIS_URL (${maskedRedisUrl(url)}): the Redis server refuses the gateway (ERR `)).toBe(
      true,
    );
    expect(message).toContain(`Set the database number in REDIS_URL (now ${database}) to one the server has`);
    // The start's error tells it: no log line of its own, nor an outage's.
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
  }, 30_000);
});
