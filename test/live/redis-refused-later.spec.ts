/**
 * A Redis that accepted the gateway at start, then refuses it after a restart: with another password,
 * or with fewer databases. The gateway goes on (a start is not what failed), and says it is a refusal,
 * not an outage: one error line naming REDIS_URL and Redis's reply for all its connections, and
 * `/readyz` as before: 503 for the database (nothing is written to another one), 200 and `degraded` for
 * the password. The password never reaches a log line: before, the outage warning of each connection
 * carried ioredis's error with the AUTH command's arguments, the password among them.
 *
 * Against a redis-server of the spec's own, restarted with other settings on the same port.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startFromConfig, type RunningGateway } from '../../src/server/start.js';
import { eventually } from '../harness/stack.js';
import {
  freePort,
  REDIS_SERVER,
  REDIS_SERVER_SKIP_REASON,
  redisServerProcess,
} from '../harness/redis-server-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'ftgw-redis-later-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Readiness {
  status: number;
  body: { ready: boolean; reason?: string; degraded?: string };
}

async function readyz(running: RunningGateway): Promise<Readiness> {
  const res = await running.gateway.yoga.fetch('http://localhost/readyz');
  return { status: res.status, body: (await res.json()) as Readiness['body'] };
}

/** A gateway on `redisUrl` with every Redis connection (the rate limit's too), its log lines kept. */
async function startGateway(redisUrl: string) {
  const text: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void text.push(line) });
  const settings = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_ENABLED: 'false',
    LOG_LEVEL: 'info',
    RATE_LIMIT_ENABLED: 'true',
    DATA_DIR: join(scratch, 'data'),
    REDIS_URL: redisUrl,
  });
  const running = await startFromConfig(settings, logger);
  const lines = () => text.map((line) => JSON.parse(line) as { level: number; msg: string; role?: string });
  return { running, text, lines };
}

const readyWithRedis = (running: RunningGateway) =>
  eventually(
    async () => {
      const r = await readyz(running);
      return r.status === 200 && r.body.degraded === undefined ? r : undefined;
    },
    15_000,
    'ready with Redis',
  );

describe.skipIf(!REDIS_SERVER)(`a Redis that refuses the gateway after a restart${REDIS_SERVER_SKIP_REASON}`, () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('restarted with another password: one error naming the refusal, degraded but ready, the password never logged', async () => {
    const [password, other] = [`pw-${randomUUID()}`, `pw-${randomUUID()}`];
    const redis = redisServerProcess(await freePort(), scratch);
    stops.push(() => redis.stop());
    await redis.start(['--requirepass', password]);
    const { running, text, lines } = await startGateway(`redis://:${password}@127.0.0.1:${redis.port}/0`);
    stops.push(() => running.close());
    await readyWithRedis(running);

    await redis.stop();
    await redis.start(['--requirepass', other]);
    const refused = await eventually(
      async () => {
        const r = await readyz(running);
        return r.body.degraded?.includes('refuses') ? r : undefined;
      },
      15_000,
      'the refusal on /readyz',
    );
    expect(refused.status).toBe(200);
    expect(refused.body.degraded).toMatch(
      /^Redis \(REDIS_URL\) refuses the gateway \(WRONGPASS .*\): a configuration error, not an outage/,
    );
    // Each connection has met the refusal by now (several reconnections apart): still one line.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const errors = lines().filter((line) => line.level >= 50);
    expect(errors.map((line) => line.msg)).toEqual([refused.body.degraded]);
    expect(text.join('\n')).not.toContain(password);

    await redis.stop();
    await redis.start(['--requirepass', password]);
    await readyWithRedis(running);
    expect(lines().map((line) => line.msg)).toContain('Redis accepts REDIS_URL now');
    expect(text.join('\n')).not.toContain(password);
  }, 60_000);

  it('restarted with fewer databases: not ready, naming the database refused, and nothing written elsewhere', async () => {
    const redis = redisServerProcess(await freePort(), scratch);
    stops.push(() => redis.stop());
    await redis.start(['--databases', '16']);
    const { running, lines } = await startGateway(`redis://127.0.0.1:${redis.port}/9`);
    stops.push(() => running.close());
    await readyWithRedis(running);

    await redis.stop();
    await redis.start(['--databases', '4']);
    const refused = await eventually(
      async () => {
        const r = await readyz(running);
        return r.status === 503 ? r : undefined;
      },
      15_000,
      'the refusal on /readyz',
    );
    expect(refused.body.reason).toMatch(
      /^REDIS_URL names a database that the Redis server refuses \(ERR DB index is out of range\): a configuration error/,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(
      lines()
        .filter((line) => line.level >= 50)
        .map((line) => line.msg),
    ).toEqual([refused.body.reason]);

    // A cacheable query (the response cache is in Redis): answered, stored in no other database.
    const res = await running.gateway.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ baseModels { id } }' }),
    });
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    const outside = new Redis({ port: redis.port, host: '127.0.0.1' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await outside.keys('ftgw:*')).toEqual([]);
    } finally {
      outside.disconnect();
    }
  }, 60_000);
});
