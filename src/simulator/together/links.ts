/**
 * Short-lived URLs, the simulator's stand-in for the pre-signed storage URLs Together hands out (the
 * upload target of `POST /files`, the tokenized-dataset download). A link is an unguessable token,
 * needs no Authorization, and expires on the simulator's clock: 404 for a token never issued, 410
 * once expired. Expired links are forgotten an hour later.
 */
import { randomBytes } from 'node:crypto';

export const UPLOAD_PATH_PREFIX = '/__uploads/';
export const LINK_PATH_PREFIX = '/__downloads/';

type LinkLookup<T> = { kind: 'ok'; value: T; expiresAt: number } | { kind: 'expired' } | { kind: 'unknown' };

export interface LinkRegistry<T> {
  issue(value: T, now: number): { token: string; expiresAt: number };
  lookup(token: string, now: number): LinkLookup<T>;
  revoke(token: string): void;
}

const REMEMBER_EXPIRED_MS = 60 * 60 * 1000;

export function createLinkRegistry<T>(ttlMs: number): LinkRegistry<T> {
  const links = new Map<string, { value: T; expiresAt: number }>();
  return {
    issue(value, now) {
      for (const [token, link] of links) if (now - link.expiresAt > REMEMBER_EXPIRED_MS) links.delete(token);
      const token = randomBytes(24).toString('base64url');
      const expiresAt = now + ttlMs;
      links.set(token, { value, expiresAt });
      return { token, expiresAt };
    },
    lookup(token, now) {
      const link = links.get(token);
      if (link === undefined) return { kind: 'unknown' };
      return now >= link.expiresAt ? { kind: 'expired' } : { kind: 'ok', value: link.value, expiresAt: link.expiresAt };
    },
    revoke: (token) => void links.delete(token),
  };
}
