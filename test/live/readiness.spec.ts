/**
 * `/readyz` through a Redis outage. It used to answer 503 while Redis could not be reached: an
 * outage is every instance's at once, so with the Kubernetes probe (every 5 s, 2 failures) every pod
 * went NotReady within about 10 s and the Service had no endpoint left, although queries and
 * mutations do not need Redis (an operator trial: a `jobs` query answered normally meanwhile). Now
 * the instance stays ready and says what is degraded; draining still answers 503.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startFromConfig, type RunningGateway } from '../../src/server/start.js';
import { eventually } from '../harness/stack.js';
import { REDIS, REDIS_SKIP_REASON } from '../harness/redis-available.js';
import { redisRelay } from '../harness/redis-relay.js';

interface Readiness {
  status: number;
  body: { ready: boolean; reason?: string; degraded?: string };
  text: string;
}

async function readyz(running: RunningGateway): Promise<Readiness> {
  const res = await running.gateway.yoga.fetch('http://localhost/readyz');
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Readiness['body'], text };
}

async function jobsQuery(running: RunningGateway) {
  const res = await running.gateway.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: '{ jobs { totalCount } }' }),
  });
  return {
    status: res.status,
    json: (await res.json()) as { data?: { jobs?: { totalCount: number } }; errors?: unknown },
  };
}

describe.skipIf(!REDIS)(`/readyz and Redis${REDIS_SKIP_REASON}`, () => {
  const redis = redisRelay();
  let running: RunningGateway;
  beforeAll(async () => {
    await redis.open();
    running = await startFromConfig(
      loadConfig({ PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', REDIS_URL: redis.url(), LOG_LEVEL: 'silent' }),
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await redis.close();
    await running?.close();
  });

  it('stays ready through a Redis outage, saying what is degraded; a query is answered meanwhile; draining is 503', async () => {
    const up = await eventually(
      async () => {
        const r = await readyz(running);
        return r.status === 200 && r.body.degraded === undefined ? r : undefined;
      },
      10_000,
      'ready with Redis',
    );
    expect(up.body.ready).toBe(true);

    await redis.close();
    const degraded = await eventually(
      async () => {
        const r = await readyz(running);
        return r.body.degraded !== undefined ? r : undefined;
      },
      10_000,
      'Redis reported as degraded',
    );
    expect(degraded.status).toBe(200);
    expect(degraded.body.ready).toBe(true);
    expect(degraded.body.reason).toBeUndefined();
    expect(degraded.body.degraded).toMatch(/^Redis \(REDIS_URL\) cannot be reached/);
    expect(degraded.text).not.toContain(redis.url());

    // What a readiness probe sees over more than two of Kubernetes' periods (every 5 s, 2 failures):
    // sampled every 250 ms for 3 s here, every answer 200.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await readyz(running)).status);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(new Set(statuses)).toEqual(new Set([200]));

    const query = await jobsQuery(running);
    expect(query.status).toBe(200);
    expect(query.json.errors).toBeUndefined();
    expect(typeof query.json.data?.jobs?.totalCount).toBe('number');

    // Draining is about this instance: not ready, Redis or not.
    running.gateway.setReady(false);
    const draining = await readyz(running);
    expect(draining.status).toBe(503);
    expect(draining.body).toMatchObject({ ready: false, reason: 'Draining: the gateway is shutting down.' });
    running.gateway.setReady(true);

    await redis.open();
    const back = await eventually(
      async () => {
        const r = await readyz(running);
        return r.body.degraded === undefined ? r : undefined;
      },
      15_000,
      'Redis back',
    );
    expect(back.status).toBe(200);
  }, 60_000);
});
