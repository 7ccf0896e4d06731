/**
 * What fast-hits.ts reads of a Node request before asking the cache: whether it may be a hit answered
 * there (a plain JSON POST yoga would answer as JSON), its body, its GraphQL params, and the view of
 * its headers the caller reading takes. Anything it does not take is left to yoga, which answers it.
 */
import type { IncomingMessage } from 'node:http';
import { jsonDepthPast } from '../json-depth.js';
import { MAX_VARIABLES_DEPTH, nestedDeeperThan } from '../use-variables-depth.js';

export interface Params {
  query: string;
  operationName: string | null | undefined;
  variables: Record<string, unknown> | null | undefined;
}

/** The media type of the answer when `req` may be a hit answered here, else null. */
export function eligible(
  req: IncomingMessage,
  endpoint: string,
  limit: number,
  cors: ReadonlySet<string>,
): string | null {
  const { headers } = req;
  if (req.method !== 'POST' || req.url !== endpoint) return null;
  if (!/^application\/json\s*(;\s*charset=utf-8\s*)?$/i.test(headers['content-type'] ?? '')) return null;
  const length = headers['content-length'];
  if (length === undefined || !/^\d+$/.test(length) || Number(length) === 0 || Number(length) > limit) return null;
  if (headers['transfer-encoding'] !== undefined || headers['if-none-match'] !== undefined) return null;
  if (headers.origin !== undefined && cors.has(headers.origin)) return null;
  // yoga's choice for these (use-result-processor.ts); anything else is left to it.
  const accept = (headers.accept ?? '*/*').replace(/\s|;charset=utf-8/gi, '').toLowerCase();
  if (accept === '*/*' || accept === 'application/json') return 'application/json';
  if (accept === 'application/graphql-response+json') return accept;
  return null;
}

/** The whole body (its length is declared and bounded); never called if the client leaves before sending it. */
export function readBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('error', () => {}); // the client left: there is no one to answer
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.once('end', () => done(Buffer.concat(chunks)));
}

/** A single query with its text: what the cache may have answered; null for anything else. */
export function paramsOf(text: string): Params | null {
  // Nested past the bound: not parsed here, and yoga refuses it (use-request-body-limit.ts) as it would anyway.
  if (jsonDepthPast(text) !== -1) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null; // yoga answers it
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const { query, operationName, variables, ...rest } = parsed as Record<string, unknown>;
  if (typeof query !== 'string' || query === '' || Object.keys(rest).length > 0) return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables)))
    return null;
  if (nestedDeeperThan(variables, MAX_VARIABLES_DEPTH)) return null; // yoga refuses it
  return { query, operationName, variables: variables as Params['variables'] };
}

/**
 * What the caller reading needs of a fetch Request (its headers, its URL), read from the Node
 * request as yoga's adapter would: a repeated header is its values joined.
 */
export function requestView(req: IncomingMessage): Request {
  const get = (name: string): string | null => {
    const value = req.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  return { headers: { get }, url: `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}` } as unknown as Request;
}
