/**
 * Each caller's subscriptions open at once on this instance, bounded (CALLER_MAX_SUBSCRIPTIONS):
 * past the bound a new one is refused at once with RATE_LIMITED, until one of the caller's own ends.
 * A subscription holds memory for as long as it lives (its execution, its place in the live updates:
 * some 40 KB), and neither the rate limit (off by default, and it counts starts, not lifetimes) nor
 * CALLER_MAX_OPERATIONS (HTTP operations until their answer starts, which a stream's does at once)
 * bounded how many one caller kept open: 5,000 on one WebSocket took a gateway from 90 to 314 MB.
 *
 * The caller is who the rate limit counts (rate-limit-key.ts: its token, or its address without
 * one). Over WebSocket each operation is counted (subscribe-socket-operation.ts), grouped or not;
 * over SSE each subscription, by the plugin below. Counts live only while the caller has
 * subscriptions open, so the table is never larger than the subscriptions.
 */
import type { IncomingMessage } from 'node:http';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { gatewayError } from '../errors/gateway-error.js';
import { readCaller } from './caller.js';
import { rateLimitKey, type RateLimitSubject } from './rate-limit-key.js';

export interface SubscriptionsPerCaller {
  /** One more subscription of `subject`'s: its release (to call once it ends; more calls do nothing), or the refusal. */
  take(subject: RateLimitSubject): (() => void) | GraphQLError;
  /** Counts the subscriptions of HTTP requests (SSE); WebSocket operations are counted where they are admitted. */
  plugin: Plugin;
}

export function subscriptionsPerCaller(options: { max: number; trustProxy: boolean }): SubscriptionsPerCaller {
  const { max, trustProxy } = options;
  const open = new Map<string, number>();
  const take = (subject: RateLimitSubject): (() => void) | GraphQLError => {
    const key = rateLimitKey(subject, trustProxy);
    const now = open.get(key) ?? 0;
    if (now >= max)
      return gatewayError(
        'RATE_LIMITED',
        `This caller already has ${max} subscriptions open on this gateway (CALLER_MAX_SUBSCRIPTIONS); ` +
          'close one before opening another (one subscription can watch every job: jobsUpdated).',
        { limitedBy: 'gateway', retryAfterSeconds: 1, http: { status: 429, headers: { 'Retry-After': '1' } } },
      );
    open.set(key, now + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    };
  };
  const plugin: Plugin = {
    onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as { request?: Request; req?: IncomingMessage; caller?: unknown };
      // Over WebSocket (a caller in the context) the operation was counted when it was admitted.
      if (context.caller !== undefined || context.request === undefined) return;
      const slot = take(readCaller({ transport: 'http', request: context.request, req: context.req }).rateLimitSubject);
      if (typeof slot !== 'function') return setResultAndStopExecution({ errors: [slot] });
      return {
        onSubscribeResult: ({ result }) => {
          if (!(Symbol.asyncIterator in result)) return slot();
          return { onEnd: slot };
        },
        onSubscribeError: slot,
      };
    },
  };
  return { take, plugin };
}
