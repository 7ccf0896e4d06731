/**
 * Automatic persisted queries, the Apollo protocol (`@graphql-yoga/plugin-apq`), so that Apollo
 * Client's and urql's persisted-query links work over GET and POST: a request that carries only
 * `extensions.persistedQuery.sha256Hash` runs the document stored under that hash, or gets
 * `PERSISTED_QUERY_NOT_FOUND` (HTTP 404, message `PersistedQueryNotFound`), upon which the client sends
 * the document with its hash, which registers it. The store is an LRU bounded both in count and in
 * total bytes (lru-cache), so that registering documents (anyone may) can never grow the gateway's
 * memory without end; a document larger than the whole budget is not kept (its caller sends it again).
 *
 * A hash that is not the document's is refused here first, as BAD_USER_INPUT naming both hashes
 * (the plugin's own refusal has no sentence and no code of our vocabulary).
 */
import { useAPQ } from '@graphql-yoga/plugin-apq';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { Settings } from '../config.js';
import { gatewayError } from '../errors/gateway-error.js';
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
  const checkHash: Plugin = {
    onParams({ params }) {
      const given = persistedQueryHash(params.extensions);
      if (given === undefined || typeof params.query !== 'string') return;
      const actual = sha256Hex(params.query);
      if (given !== actual) {
        throw gatewayError(
          'BAD_USER_INPUT',
          `extensions.persistedQuery.sha256Hash: ${JSON.stringify(given.slice(0, 80))} is not the SHA-256 of the query sent with it (that is "${actual}").`,
          { field: 'extensions.persistedQuery.sha256Hash', http: { status: 400 } },
        );
      }
    },
  };
  return [
    checkHash,
    useAPQ({
      store: { get: (hash) => store.get(hash), set: (hash, query) => store.set(hash, query) },
      hash: async (query) => sha256Hex(query),
    }),
  ];
}
