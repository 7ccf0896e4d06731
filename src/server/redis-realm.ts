/**
 * A deployment's share of a Redis server: what its live updates' keys and channels, its response
 * cache's and its rate limit's keys are prefixed with. Redis keeps keys per database number (`REDIS_URL`'s `/5`) but not
 * pub/sub channels: two deployments on one Redis server, on databases of their own, received each
 * other's job events (an organization of the same name in front of another upstream: its jobs shown
 * to the other's subscribers, recorded and delivered to its webhooks). So the realm is named by the
 * upstreams the deployment is in front of and by the database number: instances of one deployment
 * (same upstreams, same database) share it, and nothing else does.
 */
import { createHash } from 'node:crypto';

/** The database number of a `redis://` URL (`/5`), 0 without one. */
export function redisDatabase(redisUrl: string | null): number {
  if (redisUrl === null) return 0;
  const path = new URL(redisUrl).pathname.replace(/^\//, '');
  return path === '' ? 0 : Number(path);
}

/** 12 characters naming the deployment in front of `upstreams` (the providers' base URLs) on `redisUrl`'s database. */
export function redisRealm(upstreams: readonly string[], redisUrl: string | null): string {
  return createHash('sha256')
    .update(JSON.stringify([...upstreams, `db:${redisDatabase(redisUrl)}`]))
    .digest('base64url')
    .slice(0, 12);
}
