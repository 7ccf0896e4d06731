/**
 * The response cache's store in the instance's memory, bounded twice: by answers
 * (RESPONSE_CACHE_MAX_ENTRIES) and by bytes (RESPONSE_CACHE_MAX_BYTES, each answer counted as its JSON),
 * least recently used leaving first, each answer also leaving at its time-to-live. An answer larger
 * than a tenth of the byte bound is not kept: one page of long metrics curves would otherwise push out
 * a hundred dashboards' answers.
 *
 * It keeps, beside the answers, which answers hold each entity (`Job:<id>`, an account's scope), so
 * that an eviction by entity finds them; the index follows the answers out, however they leave.
 * (The plugin's own in-memory store bounds entries only, and by count.)
 */
import type { Cache } from '@graphql-yoga/plugin-response-cache';
import { LRUCache } from 'lru-cache';
import { index, unindex, type KeyIndex } from './key-index.js';
import { storedBody } from './stored-body.js';

type Entities = Parameters<Cache['set']>[2];
type Result = Parameters<Cache['set']>[1];

export interface MemoryStoreOptions {
  maxEntries: number;
  maxBytes: number;
}

interface Entry {
  result: Result;
  entityIds: readonly string[];
}

export interface MemoryStore extends Cache {
  /** Answers held now (expired ones may still count until they are next touched). */
  size(): number;
}

/** An answer's size: the JSON of its `data` as hits write it, or of the whole answer when it has none. */
const sizeOf = (result: Result): number =>
  typeof result.data === 'object' && result.data !== null
    ? storedBody(result.data).length
    : JSON.stringify(result).length;

const entityId = (typename: string, id: string | number): string => `${typename}:${id}`;

export function createMemoryStore({ maxEntries, maxBytes }: MemoryStoreOptions): MemoryStore {
  const holders: KeyIndex = new Map();
  const unlink = (key: string, entry: Entry) => {
    for (const id of entry.entityIds) unindex(holders, id, key);
  };
  const answers = new LRUCache<string, Entry>({
    max: maxEntries,
    maxSize: maxBytes,
    maxEntrySize: Math.max(1, Math.floor(maxBytes / 10)),
    dispose: (entry, key) => unlink(key, entry),
  });
  return {
    set(key, result, entities: Entities, ttl) {
      const entry: Entry = {
        result,
        entityIds: [...entities].flatMap((e) => (e.id == null ? [] : [entityId(e.typename, e.id)])),
      };
      // The answer's bytes as a hit writes them (made here once, and reused by its hits: stored-body.ts).
      const size = sizeOf(result);
      answers.set(key, entry, { ttl, size });
      if (answers.peek(key) !== entry) return; // too large: not kept
      for (const id of entry.entityIds) index(holders, id, key);
    },
    get: (key) => answers.get(key)?.result ?? null,
    invalidate(entities) {
      for (const { typename, id } of entities) {
        if (id == null) continue;
        for (const key of [...(holders.get(entityId(typename, id)) ?? [])]) answers.delete(key);
      }
    },
    size: () => answers.size,
  };
}
