/**
 * REDIS_URL naming a database the server does not have (`/99` on a server with 16). An operator
 * trial: ioredis logged `ERR DB index is out of range` as "Redis connection lost; reconnecting",
 * then "Redis connection back", `/readyz` said ready, and the gateway's keys landed in database 0
 * (named after database 99: another deployment's database, under this one's realm). Now the
 * connection is never used on another database, the log says it is a configuration error naming
 * REDIS_URL, and `/readyz` is 503 with that reason.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startFromConfig, type RunningGateway } from '../../src/server/start.js';
import { eventually } from '../harness/stack.js';
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
  const lines: Array<{ level: number; msg: string; role?: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  let outside: Redis;
  let running: RunningGateway;
  let url: string;

  beforeAll(async () => {
    outside = new Redis(REDIS_URL); // database 0, where the keys used to land
    const target = new URL(REDIS_URL);
    target.pathname = `/${await missingDatabase(outside)}`;
    url = target.href;
    running = await startFromConfig(
      loadConfig({ PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', REDIS_URL: url, LOG_LEVEL: 'info' }),
      logger,
    );
  });
  afterAll(async () => {
    await running?.close();
    await outside?.quit();
  });

  it('is not ready, saying REDIS_URL names a database the server refuses, and writes nothing to another database', async () => {
    const readyz = async () => {
      const res = await running.gateway.yoga.fetch('http://localhost/readyz');
      return { status: res.status, body: (await res.json()) as { ready: boolean; reason?: string } };
    };
    const refused = await eventually(
      async () => {
        const r = await readyz();
        return r.body.reason?.startsWith('REDIS_URL') ? r : undefined;
      },
      10_000,
      'the refusal on /readyz',
    );
    expect(refused.status).toBe(503);
    expect(refused.body.ready).toBe(false);
    expect(refused.body.reason).toMatch(/^REDIS_URL names a database that the Redis server refuses \(ERR .*\)/);
    expect(refused.body.reason).toContain('a configuration error, not an outage');

    // Still refused a while later: the connection never became ready on database 0.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await readyz()).status).toBe(503);

    const errors = lines.filter((line) => line.level >= 50);
    expect(errors.map((line) => line.msg)).toContain(refused.body.reason);
    // Neither an outage nor its end: a refusal.
    expect(lines.map((line) => line.msg)).not.toContain('Redis connection back');
    expect(lines.map((line) => line.msg)).not.toContain(
      'Redis connection lost; reconnecting (logged again once it is back)',
    );

    // A cacheable query (the response cache is in Redis with REDIS_URL): answered, stored nowhere.
    const res = await running.gateway.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ baseModels { id } }' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    const realm = /^ftgw:live:([^:]+):$/.exec(running.gateway.services.live!.keyPrefix)![1]!;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await outside.keys(`ftgw:*${realm}*`)).toEqual([]);
  }, 30_000);
});
