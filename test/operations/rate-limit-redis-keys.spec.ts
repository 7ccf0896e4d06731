/**
 * The rate limit's keys in Redis, as the settings build them (REDIS_URL, RATE_LIMIT_ENABLED,
 * REDIS_MESSAGE_SECRET). They were `gateway:rate-limit:token:` and the first 32 hex digits of the
 * token's plain SHA-256: anyone reading Redis could confirm a guessed token (`demo-token` is
 * `7c43ef5ae21d43ce2743f770c68e24de`) and follow one token across deployments, outside the
 * gateway's `ftgw:` namespace. Now: `ftgw:rl:<realm>:token:` and an HMAC of the token under a key
 * derived from REDIS_MESSAGE_SECRET. Two instances of one deployment still spend one quota per token;
 * a deployment with another secret keys the same token apart.
 */
import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisRealm } from '../../src/server/redis-realm.js';
import { sha256Hex } from '../../src/server/sha256-hex.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';
import { DEMO, headersFor, startStack, type Stack } from '../harness/stack.js';

const SECRET = 'one-deployment-secret-0123456789';

async function post(stack: Stack): Promise<number> {
  const response = await stack.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headersFor(DEMO) },
    body: JSON.stringify({ query: '{ datasets { id } }' }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe.skipIf(!REDIS)(`the rate limit's keys in Redis${REDIS_SKIP_REASON}`, () => {
  let upstream: Stack;
  let a: Stack;
  let b: Stack;
  let elsewhere: Stack;
  let redis: Redis;
  let realm: string;

  /** A gateway in front of `upstream`'s simulator (so: of the same realm) with its rate limit in Redis. */
  const gateway = (secret: string) =>
    startStack({
      sharedSimulator: upstream.simulator,
      env: {
        REDIS_URL,
        REDIS_MESSAGE_SECRET: secret,
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_POINTS: '3',
      },
      gateway: { responseCache: null },
    });

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    upstream = await startStack();
    // The deployment's share of Redis is named after its upstreams (Nscale's here; no Together) and database.
    realm = redisRealm([upstream.simulator.apiBaseUrl, ''], REDIS_URL);
    a = await gateway(SECRET);
    b = await gateway(SECRET);
    elsewhere = await gateway('another-deployment-secret-98765');
  });
  afterAll(async () => {
    await Promise.all([a, b, elsewhere].map((stack) => stack?.close()));
    await upstream?.close();
    // Every key of this realm (this spec's upstream is its own): the rate limit's and live updates'.
    const keys = await redis.keys(`ftgw:*${realm}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it("two instances spend one quota per token, under the deployment's namespace and an HMAC of the token", async () => {
    expect(await post(a)).toBe(200);
    expect(await post(b)).toBe(200);
    expect(await post(a)).toBe(200);
    expect(await post(b)).toBe(429);

    const keys = await redis.keys(`ftgw:rl:${realm}:*`);
    const key = createHmac(
      'sha256',
      createHmac('sha256', SECRET).update(`ftgw rate-limit token keys\n${realm}`).digest(),
    )
      .update(DEMO.token)
      .digest('hex')
      .slice(0, 32);
    expect(keys).toEqual([`ftgw:rl:${realm}:token:${key}`]);
    // Not the token's plain hash, which anyone can compute.
    const plain = sha256Hex(DEMO.token).slice(0, 32);
    expect(plain).toBe('7c43ef5ae21d43ce2743f770c68e24de');
    expect(keys.join('\n')).not.toContain(plain);
  });

  it('a deployment with another REDIS_MESSAGE_SECRET keys the same token apart, with a quota of its own', async () => {
    expect(await post(elsewhere)).toBe(200);
    const keys = await redis.keys(`ftgw:rl:${realm}:token:*`);
    expect(keys).toHaveLength(2);
  });
});
