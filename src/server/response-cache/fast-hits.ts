/**
 * Cache hits answered in front of yoga. A hit served through yoga's pipeline still builds a fetch
 * Request and Response, runs every plugin's hooks and writes the answer's JSON: about 0.9 ms of CPU for
 * a dashboard's job detail, more than a REST pass-through spends asking the upstream (bench:fleet).
 * Here a plain JSON query whose answer is in the cache is answered from the Node request itself: the
 * same caller reading and key (cache-identity.ts), the same refusals, the same bytes and headers and
 * the same metrics as that hit would have had through yoga (the operation counted, named after its
 * document's first definition when the body names none, and the organization its caller presented),
 * and its request log line (marked `"cache":"hit"`, with the operation's type, which yoga's line for a hit lacks).
 *
 * A miss costs a little twice: its body is parsed and its key hashed here, then again by yoga and its
 * response-cache plugin (which know nothing of this reading). A miss of an answer served before, while
 * the same question of the same caller is already being answered, waits for that answer instead
 * (shared-misses.ts); its log line says `"joined":true`.
 *
 * Everything else goes on to yoga untouched, or with its body already read (`req.body`, which yoga's
 * Node adapter takes as the body): a miss, a batch, a persisted query (`extensions`), an upload, a GET,
 * a conditional request, a body larger than `maxBodyBytes` (yoga refuses it), an `Accept` other than
 * JSON's, an origin the CORS list allows (yoga writes its headers), and a caller who is at its bound
 * of operations running or whose rate limit refuses it (yoga refuses it, with the quota spent here).
 * Not built with tracing (every request gets its span from yoga) or trusted documents.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionResult } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { SecretRedactor } from '../../secrets/secret-redactor.js';
import type { GatewayMetrics } from '../../telemetry/gateway-metrics.js';
import { requestIdFrom } from '../../telemetry/request-scope.js';
import { readCaller, type Caller } from '../caller.js';
import { cacheHitLabels } from '../operation-tally.js';
import type { RateLimit } from '../create-rate-limit.js';
import { requestSecrets } from '../request-secrets.js';
import { REQUEST_ID_HEADER } from '../use-request-id.js';
import type { OperationsPerCaller } from '../use-operations-per-caller.js';
import { refusedBeforeYoga } from '../use-rate-limit.js';
import { VARY } from './cache-headers.js';
import { MAX_VARIABLES_DEPTH, nestedDeeperThan } from '../use-variables-depth.js';
import { cacheKey, type CacheIdentity } from './cache-identity.js';
import { STORED, type ResponseCache, type StoredMark } from './response-cache.js';
import { storedBody } from './stored-body.js';

export interface FastHitsOptions {
  cache: ResponseCache;
  /** The response cache plugin's caller reading (use-response-cache.ts): the same function. */
  identify: Identify;
  now: () => number;
  /** yoga's GraphQL path. */
  endpoint: string;
  /** MAX_REQUEST_BODY_BYTES: a larger body is yoga's to refuse. */
  maxBodyBytes: number;
  /** CORS_ORIGINS: a request from one of these gets CORS headers, which yoga writes. */
  corsOrigins: readonly string[];
  rateLimit: RateLimit | null;
  operations: OperationsPerCaller;
  redactor: SecretRedactor;
  logger: Logger;
  metrics: GatewayMetrics | null;
}

/** Who the cache takes a request's caller for (cache-identity.ts), from the caller when it was read already. */
export type Identify = (request: Request, caller?: Caller) => CacheIdentity | null;

/** Answers `req` when it is a hit; otherwise calls `next`, which hands it to yoga. */
export type FastHits = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** The most bytes of a body read here: a dashboard's query is a few kilobytes. */
const MAX_READ_BYTES = 64 * 1024;

interface Params {
  query: string;
  operationName: string | null | undefined;
  variables: Record<string, unknown> | null | undefined;
}

/** What a body says, read once for each caller that sends it: its key, its operation and the secrets in it. */
interface Reading {
  key: string;
  operationName: string | null | undefined;
  /** Its text (the body's own string), named on the metrics when it is answered (operation-tally.ts). */
  query: string;
  secrets: readonly string[];
}

/** Characters of bodies kept with their readings (a dashboard sends a few dozen distinct ones). */
const READINGS_MAX_CHARS = 4 * 1024 * 1024;

export function createFastHits(options: FastHitsOptions): FastHits {
  const cors = new Set(options.corsOrigins);
  const limit = Math.min(MAX_READ_BYTES, options.maxBodyBytes);
  // Keyed by the caller's session and the body's text: in this process only, never logged or stored.
  const readings = new LRUCache<string, Reading>({
    maxSize: READINGS_MAX_CHARS,
    sizeCalculation: (_reading, key) => key.length,
  });
  return (req, res, next) => {
    const mediaType = eligible(req, options.endpoint, limit, cors);
    if (mediaType === null) return next();
    const startedAt = performance.now();
    readBody(req, (body) => {
      const handOn = () => {
        (req as IncomingMessage & { body?: Buffer }).body = body;
        next();
      };
      answer(options, readings, { req, res, body, mediaType, startedAt }).then(
        (answered) => answered || handOn(),
        (error: unknown) => {
          options.logger.warn({ err: error }, 'response cache: a hit could not be answered before yoga');
          if (!res.headersSent) handOn();
        },
      );
    });
  };
}

/** The media type of the answer when `req` may be a hit answered here, else null. */
function eligible(req: IncomingMessage, endpoint: string, limit: number, cors: ReadonlySet<string>): string | null {
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
function readBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('error', () => {}); // the client left: there is no one to answer
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.once('end', () => done(Buffer.concat(chunks)));
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  mediaType: string;
  startedAt: number;
}

/** True once the exchange is answered; false to hand it on to yoga. */
async function answer(
  options: FastHitsOptions,
  readings: LRUCache<string, Reading>,
  exchange: Exchange,
): Promise<boolean> {
  const { req } = exchange;
  const request = requestView(req);
  const caller = readCaller({ transport: 'http', request, req });
  const identity = options.identify(request, caller);
  if (!identity || (identity.expiresAt !== null && options.now() >= identity.expiresAt)) return false;
  const reading = readingOf(readings, identity, exchange.body);
  if (!reading) return false;
  const { key } = reading;
  let stored = await options.cache.store.get(key);
  const refresh = stored ? undefined : options.cache.misses.running(key);
  if (refresh) {
    // The same question of the same caller is being answered: its answer, once stored, is this one's.
    await refresh;
    if (exchange.res.destroyed) return true; // its client left meanwhile: no one to answer
    stored = await options.cache.store.get(key);
  } else if (!stored) {
    const end = options.cache.misses.lead(key);
    if (end) exchange.res.once('close', end);
  }
  const hit = stored ? servable(stored as ExecutionResult) : null;
  if (!hit || options.operations.atBound(caller.rateLimitSubject)) return false;
  const refusal = options.rateLimit ? await options.rateLimit.consume(caller.rateLimitSubject) : null;
  if (refusal) {
    refusedBeforeYoga(req, refusal);
    return false;
  }
  const release = options.redactor.hold([...caller.secrets, ...reading.secrets]);
  try {
    send(options, exchange, hit, reading, refresh !== undefined, caller.credentials.organizationId);
  } finally {
    release();
  }
  return true;
}

/** What `body` says for this caller, read once and then kept; null for a body the cache cannot have answered. */
function readingOf(readings: LRUCache<string, Reading>, identity: CacheIdentity, body: Buffer): Reading | null {
  const text = body.toString('utf8');
  const memo = `${identity.session}\n${text}`;
  const kept = readings.get(memo);
  if (kept) return kept;
  const params = paramsOf(text);
  if (!params) return null;
  let secrets: string[];
  try {
    secrets = requestSecrets(params);
  } catch {
    return null; // more secrets than one operation may hold: yoga refuses it (use-secret-scope.ts)
  }
  const reading: Reading = {
    key: cacheKey(identity, params.query, params.operationName, params.variables),
    operationName: params.operationName,
    query: params.query,
    secrets,
  };
  readings.set(memo, reading);
  return reading;
}

/** A single query with its text: what the cache may have answered; null for anything else. */
function paramsOf(text: string): Params | null {
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
function requestView(req: IncomingMessage): Request {
  const get = (name: string): string | null => {
    const value = req.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  return { headers: { get }, url: `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}` } as unknown as Request;
}

interface Hit {
  data: object;
  mark: StoredMark;
  headers: Readonly<Record<string, string>>;
}

/** A stored answer that is `{ data }` with the cache's marks (what yoga would write as `{ data }`), else null. */
function servable(stored: ExecutionResult): Hit | null {
  const { data, errors, extensions, ...rest } = stored;
  if (errors?.length || typeof data !== 'object' || data === null || Object.keys(rest).length > 0) return null;
  const { http, [STORED]: mark, ...others } = (extensions ?? {}) as Record<string, unknown>;
  if (!mark || Object.keys(others).length > 0) return null;
  const headers = { ...(http as { headers?: Record<string, string> } | undefined)?.headers };
  // No validators, as through yoga (cache-headers.ts): an answer stored before they were left out holds them.
  for (const name of Object.keys(headers)) if (/^(etag|last-modified)$/i.test(name)) delete headers[name];
  return { data, mark: mark as StoredMark, headers };
}

/** Writes the answer as yoga would have (use-request-id.ts, cache-headers.ts, cors-allow-list.ts), then its log line and metrics. */
function send(
  options: FastHitsOptions,
  exchange: Exchange,
  hit: Hit,
  reading: Reading,
  joined: boolean,
  organizationId: string | null,
): void {
  const { req, res } = exchange;
  const { operationName } = reading;
  const body = storedBody(hit.data);
  const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER] as string | undefined);
  res.writeHead(200, {
    'Content-Type': `${exchange.mediaType}; charset=utf-8`,
    ...hit.headers,
    'content-length': Buffer.byteLength(body),
    [REQUEST_ID_HEADER]: requestId,
    'cache-control': `private, max-age=${Math.floor(hit.mark.ttl / 1000)}`,
    age: String(Math.max(0, Math.floor((options.now() - hit.mark.at) / 1000))),
    vary: [...VARY, 'Origin'].join(', '),
  });
  res.end(body);
  const { metrics } = options;
  if (metrics) {
    metrics.responseCacheAnswer('hit');
    metrics.response(200, 'none');
    metrics.graphqlOperation(cacheHitLabels(metrics, reading.query, operationName, organizationId));
  }
  const ms = Math.round((performance.now() - exchange.startedAt) * 10) / 10;
  // The fields a child logger bound to the request id would write first, without making one.
  options.logger.info(
    {
      requestId,
      method: 'POST',
      path: options.endpoint,
      status: 200,
      ms,
      operation: 'query',
      ...(operationName ? { operationName } : {}),
      cache: 'hit',
      // Answered with the refresh it waited for (shared-misses.ts).
      ...(joined ? { joined: true } : {}),
    },
    'request',
  );
}
