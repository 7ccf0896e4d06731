/**
 * Applies the per-caller rate limit (create-rate-limit.ts) to every GraphQL request over HTTP, before
 * anything else reads it (the WebSocket side is in admit-socket-operation.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { readCaller } from './caller.js';
import type { RateLimit } from './create-rate-limit.js';

export function useRateLimit(limit: RateLimit | null | undefined): Plugin {
  if (!limit) return {};
  return {
    async onParams({ request, context }) {
      const req = (context as { req?: IncomingMessage }).req;
      const refusal = await limit.consume(readCaller({ transport: 'http', request, req }).rateLimitSubject);
      if (refusal) throw refusal;
    },
  };
}
