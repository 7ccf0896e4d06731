/**
 * The per-caller rate limit: in memory (one instance), over WebSocket too, and shared by two
 * gateways through Redis. Keys are HMACs of tokens under the deployment's key, never tokens nor their plain hashes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimit } from '../../src/server/create-rate-limit.js';
import { sha256Hex } from '../../src/server/sha256-hex.js';
import { DEMO, OTHER, headersFor, startStack, type Stack } from '../harness/stack.js';
import { subscribeWs, wsClient } from '../harness/ws.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';

const QUERY = '{ datasets { id } }';

async function post(stack: Stack, creds = DEMO): Promise<{ status: number; retryAfter: string | null; body: any }> {
  const res = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headersFor(creds) },
    body: JSON.stringify({ query: QUERY }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

describe('rate limit in memory', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The response cache off: this spec asks the same queries again and counts what reaches the upstream.
    stack = await startStack({
      http: true,
      env: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_POINTS: '2' },
      gateway: { responseCache: null },
    });
  });
  afterAll(() => stack.close());

  it('refuses a caller past its quota with RATE_LIMITED from the gateway, without calling the upstream; other callers go on', async () => {
    stack.simulator.resetStats();
    expect((await post(stack)).status).toBe(200);
    expect((await post(stack)).status).toBe(200);
    const refused = await post(stack);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(59);
    expect(refused.body.errors).toEqual([
      {
        message: expect.stringMatching(
          /^Rate limit of this gateway \(not the fine-tuning service's\): at most 2 operations per 60 s for each caller\. Retry after \d+ s\.$/,
        ),
        extensions: { code: 'RATE_LIMITED', limitedBy: 'gateway', retryAfterSeconds: Number(refused.retryAfter) },
      },
    ]);
    expect(stack.calls()).toEqual({ 'GET /datasets': 2 });
    expect((await post(stack, OTHER)).status).toBe(200);
  });

  it('counts WebSocket subscribes against the same quota', async () => {
    const client = wsClient(stack.server!.url, OTHER); // one point of OTHER's two is left
    try {
      const admitted = subscribeWs(client, 'subscription { jobsUpdated { id } }', {});
      const refused = subscribeWs(client, 'subscription { jobsUpdated { id } }', {});
      await expect(refused.done).rejects.toThrow(
        /"code":"RATE_LIMITED".*"limitedBy":"gateway"|"limitedBy":"gateway".*"code":"RATE_LIMITED"/,
      );
      expect(admitted.events.some((e) => e.errors)).toBe(false);
      admitted.unsubscribe();
    } finally {
      await client.dispose();
    }
  });

  it("tells the upstream's own limit apart", async () => {
    const upstream = await startStack({
      env: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_POINTS: '100' },
      client: { retry: { maxAttempts: 1 } },
    });
    try {
      upstream.simulator.setFaults({ route: 'GET /datasets', rateLimit: { count: 1, retryAfterSeconds: 7 } });
      const res = await post(upstream);
      expect(res.body.errors[0]).toMatchObject({
        message: 'Too many requests to the fine-tuning service. Retry after 7 s.',
        extensions: { code: 'RATE_LIMITED', limitedBy: 'upstream', retryAfterSeconds: 7 },
      });
    } finally {
      await upstream.close();
    }
  });
});

describe.skipIf(!REDIS)(`rate limit shared through Redis${REDIS_SKIP_REASON}`, () => {
  const keyPrefix = `test:rate-limit:${randomUUID()}`;
  const tokenSecret = randomBytes(32);
  let redis: Redis[];
  let a: Stack;
  let b: Stack;
  beforeAll(async () => {
    redis = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    a = await startStack({
      gateway: {
        rateLimit: createRateLimit({
          points: 3,
          windowSeconds: 60,
          trustProxy: false,
          redis: redis[0],
          keyPrefix,
          tokenSecret,
        }),
      },
    });
    b = await startStack({
      sharedSimulator: a.simulator,
      gateway: {
        rateLimit: createRateLimit({
          points: 3,
          windowSeconds: 60,
          trustProxy: false,
          redis: redis[1],
          keyPrefix,
          tokenSecret,
        }),
      },
    });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    const keys = await redis[0]!.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis[0]!.del(...keys);
    await Promise.all(redis.map((r) => r.quit()));
  });

  it('two gateways spend one quota per caller, keyed by an HMAC of the token', async () => {
    expect((await post(a)).status).toBe(200);
    expect((await post(b)).status).toBe(200);
    expect((await post(a)).status).toBe(200);
    const refused = await post(b);
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limitedBy: 'gateway' });
    expect((await post(a, OTHER)).status).toBe(200);

    const keys = await redis[0]!.keys(`${keyPrefix}*`);
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).toMatch(/:token:[0-9a-f]{32}$/);
      expect(key).not.toContain(DEMO.token);
      expect(key).not.toContain(OTHER.token);
      expect(key).not.toContain(sha256Hex(DEMO.token).slice(0, 32));
    }
  });

  it('is never shared through Redis without the deployment key', () => {
    expect(() =>
      createRateLimit({ points: 3, windowSeconds: 60, trustProxy: false, redis: redis[0], keyPrefix }),
    ).toThrow(
      "createRateLimit: a rate limit shared through Redis needs `tokenSecret`, the deployment's key for its " +
        'token keys (rate-limit-key.ts rateLimitKeySecret); none was given.',
    );
  });
});
