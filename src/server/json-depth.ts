/**
 * The nesting bound of every JSON text the gateway parses from a client (an HTTP body, a multipart
 * `operations` or `map` field, a WebSocket message), checked on the raw text before `JSON.parse`.
 *
 * Why before: `JSON.parse` reads 400,000 nested brackets (800 KB, under MAX_REQUEST_BODY_BYTES) in
 * 0.6 s of main-thread time and builds as many arrays, before any rule on the parsed value can run, and
 * anyone can send it, credentials or none. A request of this API is a few levels deep (the deepest
 * input, a job's LoRA modules, is four levels into `variables`); 64 leaves `variables` its own rule of
 * 32 (use-variables-depth.ts) with room for a batch and its request around it. Nothing parsed past this
 * check is deeper than 64, so no other part of a request (`extensions`) needs a rule of its own: what
 * walks it recursively (JSON.stringify, the cache key) is safe at that depth.
 *
 * The scan is on the hot path of every request, cached hits included: one pass, no allocation, and a
 * string skipped with `indexOf` (a request is mostly its query's one long string). About 0.3 µs for a
 * 270-byte query body, against 1.3 µs for `JSON.parse` of it (a loaded 2-core machine, best of five runs).
 */
import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors/gateway-error.js';
import { variablesTooDeep } from './use-variables-depth.js';

/** Deepest nesting of objects and arrays in a JSON text a client sends. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * The index of the first bracket (outside strings) nested deeper than `max`, or -1 when there is none.
 * Not a validator: malformed JSON passes (or not) and is `JSON.parse`'s to refuse, in linear time.
 */
export function jsonDepthPast(text: string, max: number = MAX_JSON_DEPTH): number {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
      if (i === -1) return -1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return i;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return -1;
}

/** The quote that ends the string opened at `open` (one not escaped: after an even run of backslashes), or -1. */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at === -1) return -1;
    let before = at - 1;
    while (text.charCodeAt(before) === BACKSLASH) before--;
    if ((at - before) % 2 === 1) return at;
  }
}

/** The fields of a GraphQL request a refusal may name (never any other text of the client's). */
const REQUEST_FIELDS = new Set(['query', 'operationName', 'variables', 'extensions']);

/**
 * The field of the GraphQL request (of the batch's request, in a batch) whose value holds index `at`,
 * or null. Run only for a text refused, up to where it was: the hot path never pays for it.
 */
export function requestFieldAt(text: string, at: number): string | null {
  let depth = 0;
  let requestDepth = 1; // 2 in a batch: the requests are the array's items
  let key: string | null = null;
  let field: string | null = null;
  for (let i = 0; i < at; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (end === -1) return null;
      if (depth === requestDepth) key = text.slice(i + 1, end);
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth === 0 && c === OPEN_ARRAY) requestDepth = 2;
      if (depth === requestDepth) field = key;
      depth++;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (depth === requestDepth) field = null;
    }
  }
  return field !== null && REQUEST_FIELDS.has(field) ? field : null;
}

/**
 * The refusal of a GraphQL request (an HTTP body, a multipart `operations` field) refused at `at`:
 * HTTP 400, BAD_USER_INPUT naming the field that is too deep. Variables get their own rule's message.
 */
export function jsonTooDeep(text: string, at: number): GraphQLError {
  const field = requestFieldAt(text, at);
  if (field === 'variables') return variablesTooDeep();
  const rule = `nested more than ${MAX_JSON_DEPTH} levels deep (objects and arrays); no request of this API goes deeper than a few.`;
  return field === null
    ? gatewayError('BAD_USER_INPUT', `The request body is ${rule}`, { http: { status: 400 } })
    : gatewayError('BAD_USER_INPUT', `${field}: ${rule}`, { field, http: { status: 400 } });
}
