/**
 * Cache hits answered in front of yoga. A hit served through yoga's pipeline still builds a fetch
 * Request and Response, runs every plugin's hooks and writes the answer's JSON: about 0.9 ms of CPU for
 * a dashboard's job detail, more than a REST pass-through spends asking the upstream (bench:fleet).
 * Here a plain JSON query whose answer is in the cache is answered from the Node request itself: the
 * same caller reading and key (cache-identity.ts), the same refusals, the same bytes and headers and
 * the same metrics as that hit would have had through yoga (the operation counted, named after its
 * document's first definition when the body names none, and the organization its caller presented),
 * and its request log line (marked `"cache":"hit"`, with the operation's type, which yoga's line for a hit lacks;
 * its operation name cut past 100 characters, as on yoga's: logged-text.ts).
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
import { cutForLog, MAX_LOGGED_NAME_CHARS } from '../../telemetry/logged-text.js';
import { requestIdFrom } from '../../telemetry/request-scope.js';
import { readCaller, type Caller } from '../caller.js';
import { cacheHitLabels, hitOperationName } from '../operation-tally.js';
import type { RateLimit } from '../create-rate-limit.js';
import { requestSecrets } from '../request-secrets.js';
import { REQUEST_ID_HEADER } from '../use-request-id.js';
import type { OperationsPerCaller } from '../use-operations-per-caller.js';
import { refusedBeforeYoga } from '../use-rate-limit.js';
import { VARY } from './cache-headers.js';
import { cacheKey, type CacheIdentity } from './cache-identity.js';
import { eligible, paramsOf, readBody, requestView } from './hit-request.js';
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

/** What a body says, read once for each caller that sends it: its key, its operation and the secrets in it. */
interface Reading {
  key: string;
  operationName: string | null | undefined;
  /** The name its hits are counted under (operation-tally.ts), read once, not at each hit. */
  metricName: string | null;
  secrets: readonly string[];
}

/**
 * Characters of bodies kept with their readings (a dashboard sends a few dozen distinct ones), each
 * reading counted as `READING_CHARS` more (its key, name and secrets, the entry's own keeping), and
 * readings kept at most: many tiny bodies under made-up tokens must not outgrow the bound.
 */
const READINGS_MAX_CHARS = 4 * 1024 * 1024;
const READING_CHARS = 256;
const READINGS_MAX = 10_000;

export function createFastHits(options: FastHitsOptions): FastHits {
  const cors = new Set(options.corsOrigins);
  const limit = Math.min(MAX_READ_BYTES, options.maxBodyBytes);
  // Keyed by the caller's session and the body's text: in this process only, never logged or stored.
  const readings = new LRUCache<string, Reading>({
    max: READINGS_MAX,
    maxSize: READINGS_MAX_CHARS,
    sizeCalculation: (_reading, key) => key.length + READING_CHARS,
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
  const reading = readingOf(readings, identity, req.headers.host ?? '', exchange.body);
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

/** What `body` says for this caller and `host`, read once and then kept; null for a body the cache cannot have answered. */
function readingOf(
  readings: LRUCache<string, Reading>,
  identity: CacheIdentity,
  host: string,
  body: Buffer,
): Reading | null {
  const text = body.toString('utf8');
  const memo = `${identity.session}\n${host}\n${text}`;
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
    key: cacheKey(identity, host, params.query, params.operationName, params.variables),
    operationName: params.operationName,
    metricName: hitOperationName(params.query, params.operationName),
    secrets,
  };
  readings.set(memo, reading);
  return reading;
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
    metrics.graphqlOperation(cacheHitLabels(metrics, reading.metricName, organizationId));
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
      ...(operationName ? { operationName: cutForLog(operationName, MAX_LOGGED_NAME_CHARS) } : {}),
      cache: 'hit',
      // Answered with the refresh it waited for (shared-misses.ts).
      ...(joined ? { joined: true } : {}),
    },
    'request',
  );
}
