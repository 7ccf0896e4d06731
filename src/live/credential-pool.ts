/**
 * The tokens a shared poller may poll with: those of its current subscribers, grouped by token.
 * `next()` rotates through them in join order, one token per poll, so that every subscriber's token
 * is re-checked by the upstream now and then (a revoked token is found within as many polls as
 * there are distinct tokens) at no extra cost. Expired tokens are skipped: their subscribers are
 * being ended by their own expiry timers, and the upstream would only answer 401.
 */
import type { Credentials } from '../upstream/types.js';

export interface PoolMember {
  readonly creds: Credentials;
  /** Milliseconds since the epoch at which the token stops being valid, or null if unknown. */
  readonly expiresAt: number | null;
}

export interface CredentialPool<M extends PoolMember> {
  add(member: M): void;
  remove(member: M): void;
  /** Credentials for the next poll, or undefined when no member has a live token. */
  next(now: number): Credentials | undefined;
  /** Removes every member holding `token` and returns them (for ending them with the error). */
  dropToken(token: string): M[];
  readonly size: number;
  /** How many distinct tokens the members hold. */
  readonly tokens: number;
}

export function createCredentialPool<M extends PoolMember>(): CredentialPool<M> {
  // Map keeps insertion order: the first token is the longest-standing one.
  const byToken = new Map<string, Set<M>>();
  let lastToken: string | undefined;
  let size = 0;

  const live = (members: Set<M>, now: number): M | undefined => {
    for (const m of members) if (m.expiresAt === null || m.expiresAt > now) return m;
    return undefined;
  };

  return {
    add(member) {
      const set = byToken.get(member.creds.token) ?? new Set<M>();
      if (!set.has(member)) size += 1;
      set.add(member);
      byToken.set(member.creds.token, set);
    },
    remove(member) {
      const set = byToken.get(member.creds.token);
      if (!set?.delete(member)) return;
      size -= 1;
      if (set.size === 0) byToken.delete(member.creds.token);
    },
    next(now) {
      const tokens = [...byToken.keys()];
      const start = lastToken === undefined ? 0 : tokens.indexOf(lastToken) + 1;
      for (let i = 0; i < tokens.length; i += 1) {
        const token = tokens[(start + i) % tokens.length];
        const members = token === undefined ? undefined : byToken.get(token);
        const member = members && live(members, now);
        if (member) {
          lastToken = token;
          return member.creds;
        }
      }
      return undefined;
    },
    dropToken(token) {
      const set = byToken.get(token);
      if (!set) return [];
      byToken.delete(token);
      size -= set.size;
      return [...set];
    },
    get size() {
      return size;
    },
    get tokens() {
      return byToken.size;
    },
  };
}
