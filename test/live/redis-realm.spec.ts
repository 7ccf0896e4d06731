/**
 * Two deployments on one Redis server never share live updates, leases or cache evictions: Redis
 * keeps keys per database but not pub/sub channels, and a trial had a deployment on database 6
 * receive, record and deliver to its webhooks the job events of another on database 5 (an
 * organization of the same name in front of another upstream). The realm that prefixes both names
 * the upstreams and the database; instances of one deployment share it.
 */
import { describe, expect, it } from 'vitest';
import { redisDatabase, redisRealm } from '../../src/server/redis-realm.js';

const NSCALE = 'https://fine-tuning.api.nscale.com/api/v1';
const TOGETHER = 'https://api.together.xyz/v1';

describe("a deployment's share of Redis", () => {
  it('is the same for instances of one deployment, another for another database or another upstream', () => {
    const one = redisRealm([NSCALE, TOGETHER], 'redis://:pw@redis:6379/5');
    expect(redisRealm([NSCALE, TOGETHER], 'redis://:other-pw@redis.internal:6379/5')).toBe(one);
    expect(redisRealm([NSCALE, TOGETHER], 'redis://:pw@redis:6379/6')).not.toBe(one);
    expect(redisRealm(['http://127.0.0.1:4511/api/v1', TOGETHER], 'redis://:pw@redis:6379/5')).not.toBe(one);
    expect(redisRealm([NSCALE, ''], 'redis://:pw@redis:6379/5')).not.toBe(one);
    // No path, `/` and `/0` are one database.
    const zero = redisRealm([NSCALE, TOGETHER], 'redis://redis:6379');
    expect(redisRealm([NSCALE, TOGETHER], 'redis://redis:6379/')).toBe(zero);
    expect(redisRealm([NSCALE, TOGETHER], 'redis://redis:6379/0')).toBe(zero);
    expect(one).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });

  it('reads the database number from the URL', () => {
    expect([null, 'redis://h', 'redis://h/', 'redis://h:6379/7', 'rediss://:p@h:6380/12'].map(redisDatabase)).toEqual([
      0, 0, 0, 7, 12,
    ]);
  });
});
