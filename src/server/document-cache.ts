/**
 * The parsed documents kept between requests, in place of yoga's own parser and validation cache
 * (`parserAndValidationCache: false` in gateway.ts), so that a request whose text was seen before is
 * neither parsed nor validated again (the gateway's CPU per request counts on it).
 *
 * Why not yoga's: its cache holds 1,024 documents for an hour, bounded by count only, and keeps every
 * document that parses, the invalid ones with their validation errors (a `GraphQLError` for each unknown
 * field, with its stack). About 1,200 requests of 2.5 kB, each naming 250 unknown fields, held 470 MB of
 * heap, and validation runs before any credentials are asked for (trial 3). Here:
 *
 * - A document is kept only once it has passed validation: an invalid one (and its errors) is dropped
 *   with its request, and so is one that does not parse (yoga kept the parse error too). Sending it
 *   again costs what it cost the first time, which the operation limits bound (use-operation-limits.ts).
 * - The documents kept are bounded in bytes as well as in count, least recently used first out. A
 *   document's bytes are estimated from its text and its tokens: graphql-js keeps every token of a parsed
 *   document (each node's location links into the token list), and a kept document measured 350 to 520
 *   bytes of heap per token beside its text (`{ a b c … }` is 170 bytes of heap per character of text).
 *
 * Valid documents are validated once: every rule the gateway adds (operation limits, finite floats, the
 * introspection switch) is added to every validation, whatever the request, so a document valid once is
 * valid for every request, as yoga's cache also assumes.
 */
import type { DocumentNode, Source } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';

interface DocumentCacheOptions {
  /** Most estimated heap bytes of the documents kept. @default DOCUMENT_CACHE_MAX_BYTES */
  maxBytes?: number;
  /** Most documents kept. @default DOCUMENT_CACHE_MAX_ENTRIES */
  maxEntries?: number;
}

export interface DocumentCache {
  /** Reads and fills the cache: last in yoga's plugins (after every `setParseFn` and validation rule). */
  readonly plugin: Plugin;
  /** Documents kept now. */
  readonly size: number;
  /** Their estimated heap bytes (see `documentBytes`): never more than `maxBytes`. */
  readonly retainedBytes: number;
  readonly maxBytes: number;
  /** Documents graphql-js parsed since the start: the requests whose text was not kept. */
  readonly parses: number;
  /** Documents graphql-js validated since the start. */
  readonly validations: number;
}

/**
 * 16 MiB of estimated heap: a dashboard document (a few hundred characters, about 50 tokens) is
 * estimated at about 25 kB, so several hundred of them fit, and the largest the token limit lets
 * through (3,000 tokens: about 1.5 MB) a dozen. Small next to the 512 MiB the deployment allows.
 */
const DOCUMENT_CACHE_MAX_BYTES = 16 * 1024 * 1024;
/** As many as yoga's default cache held. */
const DOCUMENT_CACHE_MAX_ENTRIES = 1024;
/** Heap per token of a kept document, the most measured (see the module comment). */
const BYTES_PER_TOKEN = 512;

/**
 * A kept document's estimated heap bytes: its text (the key, two bytes a character at most) and
 * `BYTES_PER_TOKEN` for each of its tokens; a document parsed without locations counts a token per
 * character (a token is at least one).
 */
function documentBytes(text: string, document: DocumentNode): number {
  let tokens = 0;
  for (let token = document.loc?.startToken ?? null; token; token = token.next) tokens++;
  return 2 * text.length + BYTES_PER_TOKEN * (tokens || Math.max(1, text.length));
}

const textOf = (source: string | Source): string => (typeof source === 'string' ? source : source.body);

export function createDocumentCache(options: DocumentCacheOptions = {}): DocumentCache {
  const maxBytes = options.maxBytes ?? DOCUMENT_CACHE_MAX_BYTES;
  const kept = new LRUCache<string, DocumentNode>({
    max: options.maxEntries ?? DOCUMENT_CACHE_MAX_ENTRIES,
    maxSize: maxBytes,
    sizeCalculation: (document, text) => documentBytes(text, document),
  });
  // The documents that passed validation (kept, or evicted since: still valid, and dropped with them).
  const valid = new WeakSet<DocumentNode>();
  // The text each document parsed in this process came from, until it is validated (or dropped).
  const textOfDocument = new WeakMap<DocumentNode, string>();
  let parses = 0;
  let validations = 0;

  const plugin: Plugin = {
    onParse({ params, parseFn, setParseFn, setParsedDocument }) {
      const text = textOf(params.source);
      const document = kept.get(text);
      if (document) return setParsedDocument(document);
      setParseFn((source, parseOptions) => {
        parses++;
        const parsed = parseFn(source, parseOptions);
        textOfDocument.set(parsed, text);
        return parsed;
      });
    },
    onValidate({ params, validateFn, setValidationFn, setResult }) {
      if (valid.has(params.documentAST)) return setResult([]);
      setValidationFn((...args) => {
        validations++;
        return validateFn(...args);
      });
      return ({ result }) => {
        const text = textOfDocument.get(params.documentAST);
        if (result.length > 0 || text === undefined) return;
        valid.add(params.documentAST);
        kept.set(text, params.documentAST);
      };
    },
  };

  return {
    plugin,
    get size() {
      return kept.size;
    },
    get retainedBytes() {
      return kept.calculatedSize;
    },
    maxBytes,
    get parses() {
      return parses;
    },
    get validations() {
      return validations;
    },
  };
}
