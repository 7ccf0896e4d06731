/**
 * What a WebSocket subscribe must pass before it is parsed, since yoga's request hooks (rate limit,
 * trusted documents) do not run over graphql-ws: the caller's rate limit (a subscribe spends one
 * point, like an HTTP request), and, in trusted-documents mode, the operation must be one of the
 * listed documents, sent as its text or as `extensions.persistedQuery.sha256Hash`.
 */
import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors/gateway-error.js';
import type { Caller } from './caller.js';
import type { RateLimit } from './create-rate-limit.js';
import { persistedQueryHash } from './use-automatic-persisted-queries.js';
import { untrustedReason } from './use-trusted-documents.js';

export interface SocketOperation {
  query?: string | null | undefined;
  extensions?: Readonly<Record<string, unknown>> | null | undefined;
}

/** The document to run, or the refusal. */
export type SocketAdmission = { ok: true; query: string } | { ok: false; error: GraphQLError };

/** `caller`: the connection's (caller.ts), read from its connectionParams and upgrade request. */
export type AdmitSocketOperation = (payload: SocketOperation, caller: Caller) => Promise<SocketAdmission>;

export function createSocketAdmission(options: {
  rateLimit?: RateLimit | null;
  trustedDocuments?: ReadonlyMap<string, string> | null;
}): AdmitSocketOperation {
  const { rateLimit, trustedDocuments } = options;
  return async (payload, caller) => {
    if (rateLimit) {
      const refusal = await rateLimit.consume(caller.rateLimitSubject);
      if (refusal) return { ok: false, error: refusal };
    }
    if (trustedDocuments) {
      const reason = untrustedReason(trustedDocuments, payload.query, payload.extensions);
      if (reason !== null) return { ok: false, error: gatewayError('FORBIDDEN', reason) };
      if (typeof payload.query !== 'string')
        return { ok: true, query: trustedDocuments.get(persistedQueryHash(payload.extensions)!)! };
    }
    if (typeof payload.query !== 'string') {
      const message =
        'Send the operation\'s text in "query": a hash alone (extensions.persistedQuery) runs over ' +
        'WebSocket only in trusted-documents mode (TRUSTED_DOCUMENTS_FILE).';
      return { ok: false, error: gatewayError('BAD_USER_INPUT', message) };
    }
    return { ok: true, query: payload.query };
  };
}
