/**
 * Which tokens the upstream has accepted ("proven"), as far as this instance has seen: the rate limit
 * gives a token a quota of its own only once it is proven, since before that anyone can invent one
 * per request. Also the address that last presented each unproven token, so that the upstream's
 * refusal of it (401) is charged to that address's failed authentications.
 *
 * Both tables are LRUs of at most `maxTokens` SHA-256 prefixes (rate-limit-key.ts `tokenKey`), never
 * the tokens: a proven token pushed out is treated as unproven again until its next accepted call.
 */
import { LRUCache } from 'lru-cache';

export interface TokenTrust {
  isProven(tokenKey: string): boolean;
  /** An unproven token was admitted from `addressKey`. */
  presented(tokenKey: string, addressKey: string): void;
  /** The upstream answered a call made with the token. */
  accepted(tokenKey: string): void;
  /** The upstream refused the token (401): the address that presented it, when known. */
  refused(tokenKey: string): string | undefined;
}

export function createTokenTrust(maxTokens: number): TokenTrust {
  const proven = new LRUCache<string, true>({ max: maxTokens });
  const presentedFrom = new LRUCache<string, string>({ max: maxTokens });
  return {
    isProven: (key) => proven.get(key) === true,
    presented: (key, address) => void presentedFrom.set(key, address),
    accepted(key) {
      proven.set(key, true);
      presentedFrom.delete(key);
    },
    refused(key) {
      proven.delete(key);
      const address = presentedFrom.get(key);
      presentedFrom.delete(key);
      return address;
    },
  };
}
