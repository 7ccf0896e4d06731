/**
 * Applies the per-caller rate limit (create-rate-limit.ts) to every GraphQL request over HTTP, before
 * anything else reads it (the WebSocket side is in admit-socket-operation.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { readCaller } from './caller.js';
import type { RateLimit } from './create-rate-limit.js';

/**
 * Requests whose quota was already spent before yoga (a cache hit answered in front of it,
 * response-cache/fast-hits.ts) and refused: handed on to be answered as every refusal is, not counted twice.
 */
const refusedBefore = new WeakMap<IncomingMessage, GraphQLError>();

export function refusedBeforeYoga(req: IncomingMessage, refusal: GraphQLError): void {
  refusedBefore.set(req, refusal);
}

export function useRateLimit(limit: RateLimit | null | undefined): Plugin {
  if (!limit) return {};
  return {
    async onParams({ request, context }) {
      const req = (context as { req?: IncomingMessage }).req;
      const before = req && refusedBefore.get(req);
      if (before) throw before;
      const refusal = await limit.consume(readCaller({ transport: 'http', request, req }).rateLimitSubject);
      if (refusal) throw refusal;
    },
  };
}
