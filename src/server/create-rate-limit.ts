/**
 * The per-caller rate limit (`RATE_LIMIT_*`): each caller (rate-limit-key.ts) may start `points`
 * operations (HTTP requests, WebSocket subscribes) per `windowSeconds`; past that it is refused with
 * RATE_LIMITED, `retryAfterSeconds`, and `limitedBy: "gateway"` (the upstream's own 429 is
 * `limitedBy: "upstream"`, see src/errors/from-upstream-error.ts), HTTP 429 with `Retry-After`.
 *
 * In memory by default (per instance); in Redis when given a client, so that every instance counts
 * against one quota. Should Redis fail, the count falls back to this instance's memory until it
 * answers again: a Redis outage neither lets everyone through nor refuses everyone.
 */
import type { GraphQLError } from 'graphql';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Settings } from '../config.js';
import { gatewayError } from '../errors/gateway-error.js';
import { rateLimitKey, type RateLimitSubject } from './rate-limit-key.js';

/** `points`, `windowSeconds` and `trustProxy`: RATE_LIMIT_* in src/config-variables.ts, with their defaults. */
export interface RateLimitOptions extends NonNullable<Settings['rateLimit']> {
  /** Shares the counts between instances. @default none (in memory) */
  redis?: Redis | null;
  /** Prefix of the Redis keys (tests use one of their own). @default "gateway:rate-limit" */
  keyPrefix?: string;
}

export interface RateLimit {
  /** Spends one point of `subject`'s quota; resolves to the refusal when none is left, else null. */
  consume(subject: RateLimitSubject): Promise<GraphQLError | null>;
}

export function createRateLimit(options: RateLimitOptions): RateLimit {
  const { points, windowSeconds: duration } = options;
  const keyPrefix = options.keyPrefix ?? 'gateway:rate-limit';
  const memory = new RateLimiterMemory({ points, duration, keyPrefix });
  const limiter: RateLimiterAbstract = options.redis
    ? new RateLimiterRedis({ storeClient: options.redis, points, duration, keyPrefix, insuranceLimiter: memory })
    : memory;

  return {
    async consume(subject) {
      try {
        await limiter.consume(rateLimitKey(subject, options.trustProxy));
        return null;
      } catch (outcome) {
        if (!(outcome instanceof RateLimiterRes)) throw outcome;
        const retryAfterSeconds = Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));
        return gatewayError(
          'RATE_LIMITED',
          `Rate limit of this gateway (not the fine-tuning service's): at most ${points} operations per ${duration} s for each caller. Retry after ${retryAfterSeconds} s.`,
          {
            retryAfterSeconds,
            limitedBy: 'gateway',
            http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } },
          },
        );
      }
    },
  };
}
