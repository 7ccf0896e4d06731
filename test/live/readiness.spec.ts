/**
 * `/readyz` says not-ready (503, with why) while the configured Redis cannot be reached: before, it
 * said ready, and a load balancer kept sending subscriptions to an instance that could not serve them.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startFromConfig, type RunningGateway } from '../../src/server/start.js';
import { eventually } from '../harness/stack.js';
import { REDIS, REDIS_SKIP_REASON } from '../harness/redis-available.js';
import { redisRelay } from '../harness/redis-relay.js';

async function readyz(running: RunningGateway) {
  const res = await running.gateway.yoga.fetch('http://localhost/readyz');
  return { status: res.status, body: await res.text() };
}

describe.skipIf(!REDIS)(`/readyz and Redis${REDIS_SKIP_REASON}`, () => {
  const redis = redisRelay();
  let running: RunningGateway;
  beforeAll(async () => {
    await redis.open();
    running = await startFromConfig(
      loadConfig({ PORT: '0', HOST: '127.0.0.1', REDIS_URL: redis.url(), LOG_LEVEL: 'silent' }),
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await redis.close();
    await running?.close();
  });

  it('is ready while Redis answers, 503 saying why while it cannot be reached, ready again when it is back', async () => {
    await eventually(async () => ((await readyz(running)).status === 200 ? true : undefined), 10_000, 'ready');

    await redis.close();
    const down = await eventually(
      async () => {
        const r = await readyz(running);
        return r.status === 503 ? r : undefined;
      },
      10_000,
      'not ready',
    );
    expect(JSON.parse(down.body).reason).toMatch(/^Redis \(REDIS_URL\) cannot be reached/);
    expect(down.body).not.toContain(redis.url());

    await redis.open();
    await eventually(async () => ((await readyz(running)).status === 200 ? true : undefined), 15_000, 'ready again');
  }, 60_000);
});
