/**
 * Short-lived download links, the simulator's stand-in for the pre-signed storage URLs the service
 * redirects to. A link is an unguessable token, needs no Authorization (like a pre-signed URL) and
 * expires on the simulator's clock: 404 for a token never issued, 410 once expired.
 */
import { randomBytes } from 'node:crypto';
import type { StoredJob } from './store.js';

export const DOWNLOAD_PATH_PREFIX = '/__downloads/';

export type DownloadLookup = { kind: 'ok'; job: StoredJob } | { kind: 'expired' } | { kind: 'unknown' };

export interface DownloadRegistry {
  /** A new token for `job`, valid until `now + ttl`. */
  issue(job: StoredJob, now: number): string;
  lookup(token: string, now: number): DownloadLookup;
}

/** Expired tokens are remembered this long (to answer 410, not 404), then forgotten. */
const REMEMBER_EXPIRED_MS = 60 * 60 * 1000;

export function createDownloadRegistry(ttlMs: number): DownloadRegistry {
  const links = new Map<string, { job: StoredJob; expiresAt: number }>();
  const prune = (now: number): void => {
    for (const [token, link] of links) if (now - link.expiresAt > REMEMBER_EXPIRED_MS) links.delete(token);
  };
  return {
    issue(job, now) {
      prune(now);
      const token = randomBytes(24).toString('base64url');
      links.set(token, { job, expiresAt: now + ttlMs });
      return token;
    },
    lookup(token, now) {
      const link = links.get(token);
      if (link === undefined) return { kind: 'unknown' };
      return now >= link.expiresAt ? { kind: 'expired' } : { kind: 'ok', job: link.job };
    },
  };
}
