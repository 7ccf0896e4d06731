/**
 * The APQ store: documents by hash, least recently used first out, bounded both in count and in total
 * bytes, so that registering documents (anyone may) can never grow the gateway's memory without end.
 * A document larger than the whole budget is not kept (its caller will simply send it again).
 */
import type { Settings } from '../config.js';

/**
 * `maxEntries`: most documents kept; `maxBytes`: most bytes (UTF-16 code units × 2, what the strings
 * take in memory) of documents kept. APQ_MAX_* in src/config.ts, with their defaults.
 */
export type BoundedDocumentStoreOptions = NonNullable<Settings['persistedOperations']['apq']>;

export interface DocumentStore {
  get(hash: string): string | undefined;
  set(hash: string, document: string): void;
  /** Documents kept now. */
  readonly size: number;
}

export function createBoundedDocumentStore({ maxEntries, maxBytes }: BoundedDocumentStoreOptions): DocumentStore {
  // A Map iterates in insertion order: re-inserting on each read makes its first key the least recently used.
  const documents = new Map<string, string>();
  let bytes = 0;
  const sizeOf = (hash: string, document: string): number => (hash.length + document.length) * 2;

  return {
    get(hash) {
      const document = documents.get(hash);
      if (document !== undefined) {
        documents.delete(hash);
        documents.set(hash, document);
      }
      return document;
    },
    set(hash, document) {
      const size = sizeOf(hash, document);
      if (size > maxBytes) return;
      const previous = documents.get(hash);
      if (previous !== undefined) {
        documents.delete(hash);
        bytes -= sizeOf(hash, previous);
      }
      documents.set(hash, document);
      bytes += size;
      for (const [oldest, kept] of documents) {
        if (documents.size <= maxEntries && bytes <= maxBytes) break;
        documents.delete(oldest);
        bytes -= sizeOf(oldest, kept);
      }
    },
    get size() {
      return documents.size;
    },
  };
}
