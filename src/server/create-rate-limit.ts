/**
 * The per-caller rate limit (`RATE_LIMIT_*`): each caller may start `points` operations (HTTP
 * requests, WebSocket subscribes) per `windowSeconds`; past that it is refused with RATE_LIMITED,
 * `retryAfterSeconds`, and `limitedBy: "gateway"` (the upstream's own 429 is `limitedBy: "upstream"`,
 * see src/errors/from-upstream-error.ts), HTTP 429 with `Retry-After`.
 *
 * Who the caller is (rate-limit-key.ts): a token the upstream has accepted (token-trust.ts) is a caller
 * of its own. Any other token could have been invented for this request alone (fresh fake tokens got
 * a fresh quota each), so until the upstream accepts it, it also spends the quota its client address
 * shares with every unproven token from there, and the address's failed authentications (the
 * upstream's 401s, RATE_LIMIT_AUTH_FAILURES per window) stop its unproven tokens before any reaches
 * the upstream. One unproven token may spend at most a quarter of that quota: a token the upstream
 * never accepts (sent with another organization's id: 403 after 403) would otherwise take it all,
 * and no new token from the address (every client, behind a proxy not trusted) could then reach the
 * upstream to be proven. A caller without a token is its address.
 *
 * The quotas of tokens and of callers without one are in Redis when given a client, so that every
 * instance counts against one quota, under the deployment's prefix (`ftgw:rl:<realm>`) and with each
 * token keyed by an HMAC under the deployment's key (rate-limit-key.ts), never a plain hash of it;
 * should Redis fail, they are counted in this instance's memory
 * until it answers again. What concerns unproven tokens (their address's quota, failed
 * authentications, which tokens are proven) is per instance. Memory is bounded: every table is an
 * LRU of at most RATE_LIMIT_MAX_KEYS keys (window-counter.ts).
 */
import type { GraphQLError } from 'graphql';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Settings } from '../config.js';
import { gatewayError } from '../errors/gateway-error.js';
import { addressKey, rateLimitKeySecret, tokenKeyer, type RateLimitSubject } from './rate-limit-key.js';
import { createTokenTrust } from './token-trust.js';
import { createWindowCounter, type Spent } from './window-counter.js';

/** `points`, `windowSeconds`, `trustProxy` and the rest: RATE_LIMIT_* in src/config-variables.ts, with their defaults. */
export interface RateLimitOptions extends NonNullable<Settings['rateLimit']>, Partial<Settings['rateLimitCallers']> {
  /** Failed authentications per address and window. @default 10, RATE_LIMIT_AUTH_FAILURES's */
  authFailures?: number;
  /** Keys each table holds at most. @default 100_000, RATE_LIMIT_MAX_KEYS's */
  maxKeys?: number;
  /** Shares the counts between instances; then `tokenSecret` must be given. @default none (in memory) */
  redis?: Redis | null;
  /** Prefix of the Redis keys: `ftgw:rl:` and the deployment's realm (start-operation-guards.ts). @default "ftgw:rl" */
  keyPrefix?: string;
  /**
   * The key tokens are keyed with (an HMAC: rate-limit-key.ts `rateLimitKeySecret`), the same on every
   * instance that shares `redis`. @default a random key of this instance's own (in memory only)
   */
  tokenSecret?: Buffer;
}

export interface RateLimit {
  /** Spends one point of `subject`'s quota; resolves to the refusal when none is left, else null. */
  consume(subject: RateLimitSubject): Promise<GraphQLError | null>;
  /** The upstream answered a call made with `token`: it is proven. */
  credentialsAccepted(token: string): void;
  /** The upstream refused `token` (401): a failed authentication of the address that presented it. */
  credentialsRefused(token: string): void;
}

export function createRateLimit(options: RateLimitOptions): RateLimit {
  const { points, windowSeconds: duration, trustProxy } = options;
  const authFailures = options.authFailures ?? 10;
  const maxKeys = options.maxKeys ?? 100_000;
  const windowMs = duration * 1000;
  const keyPrefix = options.keyPrefix ?? 'ftgw:rl';
  if (options.redis && !options.tokenSecret)
    throw new TypeError(
      "createRateLimit: a rate limit shared through Redis needs `tokenSecret`, the deployment's key for its " +
        'token keys (rate-limit-key.ts rateLimitKeySecret); none was given.',
    );
  const tokenKey = tokenKeyer(options.tokenSecret ?? rateLimitKeySecret(null));
  const redis = options.redis
    ? new RateLimiterRedis({ storeClient: options.redis, points, duration, keyPrefix })
    : null;
  const memory = createWindowCounter({ points, windowMs, maxKeys });
  const unproven = createWindowCounter({ points, windowMs, maxKeys });
  const unprovenShare = Math.max(1, Math.floor(points / 4));
  const unprovenToken = createWindowCounter({ points: unprovenShare, windowMs, maxKeys });
  const failures = createWindowCounter({ points: authFailures, windowMs, maxKeys });
  const trust = createTokenTrust(maxKeys);

  const quota = (spent: Spent): GraphQLError | null =>
    spent.ok
      ? null
      : refusal(
          spent.msBeforeNext,
          `Rate limit of this gateway (not the fine-tuning service's): at most ${points} operations per ${duration} s for each caller.`,
        );
  const shared = async (key: string): Promise<GraphQLError | null> => {
    if (redis) {
      try {
        await redis.consume(key);
        return null;
      } catch (outcome) {
        if (outcome instanceof RateLimiterRes) return quota({ ok: false, msBeforeNext: outcome.msBeforeNext });
        // Redis failed: this instance counts alone until it answers again.
      }
    }
    return quota(memory.consume(key));
  };

  return {
    async consume(subject) {
      const address = addressKey(subject, trustProxy);
      if (!subject.token) return shared(address);
      const token = tokenKey(subject.token);
      if (trust.isProven(token)) return shared(token);
      const failed = failures.peek(address);
      if (!failed.ok) {
        return refusal(
          failed.msBeforeNext,
          `Too many failed authentications from this address: at most ${authFailures} per ${duration} s (RATE_LIMIT_AUTH_FAILURES).`,
        );
      }
      const own = unprovenToken.consume(token);
      if (!own.ok) {
        return refusal(
          own.msBeforeNext,
          `Rate limit of this gateway (not the fine-tuning service's): a token the service has not accepted yet ` +
            `may start at most ${unprovenShare} operations per ${duration} s (a quarter of RATE_LIMIT_POINTS).`,
        );
      }
      const refused = quota(unproven.consume(address)) ?? (await shared(token));
      if (refused === null) trust.presented(token, address);
      return refused;
    },
    credentialsAccepted: (token) => trust.accepted(tokenKey(token)),
    credentialsRefused(token) {
      const address = trust.refused(tokenKey(token));
      if (address !== undefined) failures.consume(address);
    },
  };
}

function refusal(msBeforeNext: number, why: string): GraphQLError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return gatewayError('RATE_LIMITED', `${why} Retry after ${retryAfterSeconds} s.`, {
    retryAfterSeconds,
    limitedBy: 'gateway',
    http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } },
  });
}
