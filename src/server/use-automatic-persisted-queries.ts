/**
 * Automatic persisted queries, the Apollo protocol, so that Apollo Client's and urql's persisted-query
 * links work over GET and POST: a request that carries only `extensions.persistedQuery.sha256Hash`
 * runs the document stored under that hash, or gets `PERSISTED_QUERY_NOT_FOUND` (HTTP 404, message
 * `PersistedQueryNotFound`), upon which the client sends the document with its hash, which registers
 * it. The store is an LRU bounded both in count and in total bytes (lru-cache), so that registering
 * documents (anyone may) can never grow the gateway's memory without end; a document larger than the
 * whole budget is not kept (its caller sends it again). A hash that is not the document's is refused
 * as BAD_USER_INPUT naming both hashes.
 *
 * Each caller has its own documents: entries are keyed by the caller's credentials as presented (a
 * SHA-256 of the `X-Provider` value as written, organization and token; callers without any of the
 * three share one space, and callers without credentials one per `X-Provider` value) as well as the
 * hash. A shared store answered "found" for a document someone else had run: a
 * membership oracle across tenants (does anyone here run `mutation createJob … "secret-model"`?).
 * Keying by caller closes it: a caller learns only what it registered itself. It was chosen over
 * answering every hash-only request "not found" (which would make APQ useless) and over a per-caller
 * store each with its own budget (unbounded in callers, whose tokens anyone can invent). Eviction
 * stays shared, which is what the bound is for: many registrations can push out another caller's
 * documents, which costs that caller one resend (its client sends the text after the 404), never a
 * wrong answer; and registrations are operations, held to the rate limit per client address.
 *
 * Written here rather than with `@graphql-yoga/plugin-apq`, whose store is given only the hash.
 */
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { Settings } from '../config.js';
import { gatewayError } from '../errors/gateway-error.js';
import { readCaller } from './caller.js';
import { sha256Hex } from './sha256-hex.js';

/**
 * `maxEntries`: most documents kept; `maxBytes`: most bytes (UTF-16 code units × 2, what the strings
 * take in memory) of documents kept. APQ_MAX_* in src/config-variables.ts, with their defaults.
 */
export type BoundedDocumentStoreOptions = NonNullable<Settings['persistedOperations']['apq']>;

export interface DocumentStore {
  get(hash: string): string | undefined;
  set(hash: string, document: string): void;
  /** Documents kept now. */
  readonly size: number;
}

/** Documents by hash, the least recently used first out. */
export function createBoundedDocumentStore({ maxEntries, maxBytes }: BoundedDocumentStoreOptions): DocumentStore {
  return new LRUCache<string, string>({
    max: maxEntries,
    maxSize: maxBytes,
    sizeCalculation: (document, hash) => (hash.length + document.length) * 2,
  });
}

/** `extensions.persistedQuery.sha256Hash` of a request, when it has one. */
export function persistedQueryHash(extensions: unknown): string | undefined {
  const persisted = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
  return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
}

export function useAutomaticPersistedQueries(store: DocumentStore): Plugin[] {
  const apq: Plugin = {
    onParams({ params, request, setParams }) {
      const given = persistedQueryHash(params.extensions);
      if (given === undefined) return;
      const key = `${callerSpace(request)}:${given}`;
      if (typeof params.query !== 'string') {
        const query = store.get(key);
        if (query === undefined) {
          throw createGraphQLError('PersistedQueryNotFound', {
            extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 404 } },
          });
        }
        setParams({ ...params, query });
        return;
      }
      const actual = sha256Hex(params.query);
      if (given !== actual) {
        throw gatewayError(
          'BAD_USER_INPUT',
          `extensions.persistedQuery.sha256Hash: ${JSON.stringify(given.slice(0, 80))} is not the SHA-256 ` +
            `of the query sent with it (that is "${actual}").`,
          { field: 'extensions.persistedQuery.sha256Hash', http: { status: 400 } },
        );
      }
      store.set(key, params.query);
    },
  };
  return [apq];
}

/** Whose documents a request reads and registers: its credentials as presented, hashed (never kept as they are). */
function callerSpace(request: Request): string {
  const { provider, organizationId, token } = readCaller({ transport: 'http', request }).credentials;
  if (token === null && organizationId === null && provider === null) return 'default';
  return sha256Hex(JSON.stringify([provider, organizationId, token]));
}
