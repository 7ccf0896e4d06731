/**
 * Each caller's operations running at once over HTTP, bounded (CALLER_MAX_OPERATIONS): past the bound
 * an operation is refused at once with RATE_LIMITED (HTTP 429), before it reads a file or calls the
 * upstream, until one of the caller's own ends. The rate limit bounds how many operations a caller
 * starts per window, not how long they last: seventy uploads trickled at 30 bytes/s were seventy
 * points, and held seventy requests (and every upstream connection) for minutes.
 *
 * The caller is who the rate limit counts (rate-limit-key.ts: its token, or its address without one).
 * Counts live only while the caller has operations running, so the table is never larger than the
 * operations in flight. WebSocket operations are not counted here: subscriptions are long by nature.
 */
import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { gatewayError } from '../errors/gateway-error.js';
import { readCaller } from './caller.js';
import { rateLimitKey, type RateLimitSubject } from './rate-limit-key.js';

export interface OperationsPerCallerOptions {
  /** Operations one caller may have running at once. */
  max: number;
  /** Whether a caller without a token is told apart by `X-Forwarded-For` (RATE_LIMIT_TRUST_PROXY). */
  trustProxy: boolean;
}

/** The bound's table, shared by its plugin and the cache's hits answered before yoga (fast-hits.ts). */
export interface OperationsPerCaller {
  plugin: Plugin;
  /** Whether this caller has all of its operations running already (a new one would be refused). */
  atBound(subject: RateLimitSubject): boolean;
}

export function operationsPerCaller({ max, trustProxy }: OperationsPerCallerOptions): OperationsPerCaller {
  const running = new Map<string, number>();
  const keyOf = (request: Request, req: IncomingMessage | undefined) =>
    rateLimitKey(readCaller({ transport: 'http', request, req }).rateLimitSubject, trustProxy);
  // Each request's caller and how many of its operations (a batch has several) are counted.
  const counted = new WeakMap<Request, { key: string; operations: number }>();
  const plugin: Plugin = {
    onParams({ request, context }) {
      const key = keyOf(request, (context as { req?: IncomingMessage }).req);
      const now = running.get(key) ?? 0;
      if (now >= max) {
        throw gatewayError(
          'RATE_LIMITED',
          `This caller already has ${max} operations running on this gateway (CALLER_MAX_OPERATIONS); retry once one of them has ended.`,
          { limitedBy: 'gateway', retryAfterSeconds: 1, http: { status: 429, headers: { 'Retry-After': '1' } } },
        );
      }
      running.set(key, now + 1);
      const entry = counted.get(request);
      if (entry) entry.operations++;
      else counted.set(request, { key, operations: 1 });
    },
    onResponse({ request }) {
      const entry = counted.get(request);
      if (!entry) return;
      counted.delete(request);
      const left = (running.get(entry.key) ?? 0) - entry.operations;
      if (left > 0) running.set(entry.key, left);
      else running.delete(entry.key);
    },
  };
  return { plugin, atBound: (subject) => (running.get(rateLimitKey(subject, trustProxy)) ?? 0) >= max };
}
