/**
 * The response cache as yoga plugins, in gateway-plugins.ts's list after the rate limit and the
 * persisted operations (a refused request is refused before the cache is read; a persisted query is
 * looked up by its text): yoga's response-cache plugin, the headers that say what each response is
 * (cache-headers.ts), and the eviction of an account's answers after each of its mutations.
 *
 * What the plugin is told:
 * - `session`, `buildResponseCacheKey`: the caller as the gateway resolves it (cache-identity.ts),
 *   read once per request. A request whose credentials do not resolve is not served from the cache,
 *   nor stored: `enabled` is false for it. So is a multipart request (an upload: its files are not in
 *   the key), a conditional one (`If-None-Match`: the plugin would answer 304 to a key alone, whoever
 *   asks), one whose `Accept` names no type yoga writes a result as (yoga runs the operation, then
 *   answers 406), and any operation over WebSocket (no HTTP request there: only the eviction below runs).
 * - `shouldCacheResult`: no answer with an error. Given, so that the plugin does not put its
 *   validators on stored answers (`ETag` was the cache key itself: the same whatever the answer, and
 *   the caller's account for anyone to compare; `Last-Modified` came with it): a conditional request
 *   is never answered from the cache here, and a validator it cannot use only invites them.
 * - `ttl: 0`, `ttlPerSchemaCoordinate`, `ignoredTypes` and `onTtl`: the times-to-live of
 *   src/schema/response-cache-policy.ts, a job's by its status; an answer holding nothing listed
 *   there, or any type neither listed nor part of one listed, is not cached. None outlives its
 *   token's JWT `exp`, and an expired token is not served from the cache (the upstream refuses it).
 * - `invalidateViaMutation`: a mutation is never cached, and the entities its answer returns (the
 *   cancelled job) are evicted for every caller who holds them.
 * - Each answer stored is tied to every job it holds, as `Job`'s `isTypeOf` noted them
 *   (response-cache-policy.ts), beside the entities the plugin collects: the plugin finds a job by
 *   its `id` in the answer, which a query may leave out (`@skip`, `@include`).
 * - `includeExtensionMetadata`: how each answer was served, read (and removed) by cache-headers.ts.
 *
 * An answer is stored only when, besides all that:
 * - the upstream accepted the caller's credentials during its operation (`upstreamAccepted`: an
 *   upstream call answered other than 401 or 403). A token made up, or one naming an organization not
 *   its own, never stores anything, so it cannot push other callers' answers out of a store that all
 *   callers share; an answer that needed no upstream call of its operation's own (`providers` alone,
 *   base models from the gateway's per-caller catalogue cache: loaders.ts) is not cached either: it
 *   costs the upstream nothing to answer again.
 * - no eviction since its query began (`mark`, taken before any upstream read) named anything it
 *   would be tied to (eviction-clock.ts): an answer read before the caller's own mutation, or before a
 *   job change a poller saw, here or on another instance that said so, is not stored after it.
 * Either way the answer still goes to its caller, with `Cache-Control: no-store` (cache-headers.ts).
 *
 * A query it serves also gets the caller's listed jobs (listed-jobs.ts), when the cache keeps them:
 * its `job(id)` may take a job the caller's list page read a moment before, and its answer then
 * lives only as long as that job may.
 */
import { useResponseCache } from '@graphql-yoga/plugin-response-cache';
import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../../resolvers/context.js';
import { schema } from '../../schema/index.js';
import { cacheRules, jobsHeld, responseTtl, type ResponseTtlPolicy } from '../../schema/response-cache-policy.js';
import { accountOf, cacheKey, type CacheIdentity } from './cache-identity.js';
import { useResponseCacheHeaders } from './cache-headers.js';
import type { ResponseCacheResult } from '../../telemetry/gateway-metrics.js';
import { tiedTo, type ResponseCache } from './response-cache.js';

export interface GatewayResponseCacheOptions {
  cache: ResponseCache;
  /** The caller of an HTTP request as the cache knows it, or null when its credentials do not resolve. */
  identify(request: Request): CacheIdentity | null;
  policy: ResponseTtlPolicy;
  /** The gateway's clock: what `Age` and the tokens' expiry are read on. @default Date.now */
  now?: () => number;
  /** Counts each answer by how it was served (the gateway's metrics). @default none */
  count?: (result: ResponseCacheResult) => void;
}

export function useGatewayResponseCache(options: GatewayResponseCacheOptions): Plugin {
  const { cache, policy } = options;
  const identities = new WeakMap<Request, CacheIdentity | null>();
  const identityOf = (request: Request): CacheIdentity | null => {
    let identity = identities.get(request);
    if (identity === undefined) identities.set(request, (identity = options.identify(request)));
    return identity;
  };
  const now = options.now ?? Date.now;
  const served = (request: Request | undefined): request is Request => {
    if (
      request === undefined ||
      request.headers.get('content-type')?.toLowerCase().startsWith('multipart/') ||
      request.headers.has('if-none-match') ||
      !answerable(request)
    )
      return false;
    const identity = identityOf(request);
    // An expired token is not served from the cache: the upstream is asked, and refuses it.
    return identity !== null && (identity.expiresAt === null || now() < identity.expiresAt);
  };
  /** The longest an answer for `request` may live: not past its token's expiry. */
  const untilExpiry = (request: Request | undefined): number => {
    const expiresAt = request ? identityOf(request)?.expiresAt : null;
    return expiresAt == null ? Infinity : Math.max(0, expiresAt - now());
  };
  const gate = gatedStore(cache);
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        useResponseCache<GatewayContext>({
          cache: gate.store,
          enabled: (request) => served(request),
          session: (request) => (served(request) ? identityOf(request)!.session : null),
          buildResponseCacheKey: ({ documentString, operationName, variableValues, request }) => {
            const identity = served(request) ? identityOf(request) : null;
            return identity
              ? cacheKey(identity, request.headers.get('host') ?? '', documentString, operationName, variableValues)
              : '';
          },
          ttl: 0,
          ...cacheRules(schema, policy),
          shouldCacheResult: ({ result }) => !result.errors?.length,
          onTtl: ({ ttl, context }) => {
            gate.answering(context as unknown as GatewayContext);
            return Math.min(
              responseTtl(context, ttl, policy, now()),
              untilExpiry((context as { request?: Request }).request),
            );
          },
          invalidateViaMutation: true,
          includeExtensionMetadata: true,
        }),
      );
      addPlugin(useResponseCacheHeaders(options.now, options.count, gate.notStored));
      addPlugin(useMutationEviction(cache));
    },
    onExecute({ args }) {
      const context = args.contextValue as unknown as GatewayContext & { request?: Request };
      if (!served(context.request)) return;
      if (getOperationAST(args.document, args.operationName)?.operation !== 'query') return;
      // Before any upstream read of the query: what it reads is at least this recent.
      const mark = gate.began(context);
      // A query the cache serves may answer `job(id)` from the caller's list pages (listed-jobs.ts),
      // and keeps what its own list pages read, unless an eviction since it began names them.
      const listed = cache.listedJobs;
      if (!listed) return;
      // `served` read the identity: not null here.
      context.listedJobs = listed.forRequest(identityOf(context.request)!, context, (entities) =>
        cache.evictedSince(mark, entities),
      );
    },
  };
}

/**
 * The store as the plugin sees it: an answer goes to the cache only if the upstream accepted its
 * caller during its operation, and no eviction since its query began names what it would be tied to
 * (see the header); else it is not stored, and `notStored` says so of it.
 */
function gatedStore(cache: ResponseCache) {
  // Where the evictions stood when each query the cache serves began (eviction-clock.ts), by context.
  const marks = new WeakMap<object, number>();
  // The answer about to be stored: its operation's context, and the jobs it holds, as `Job`'s `isTypeOf`
  // noted them (the plugin ties an answer to the jobs whose `id` it holds, and a job whose `id` the
  // query skipped, `@skip` or `@include`, would otherwise not evict it when it changes). The plugin
  // asks `onTtl` of each answer and, in the same turn, stores it or not: what `onTtl` reads goes with
  // the next `set`.
  let pending: { context: GatewayContext; jobs: ReadonlySet<string> } | null = null;
  // The `data` of answers handed to `set` and not stored: the plugin still marks them as cached.
  const unstored = new WeakSet<object>();
  const store: ResponseCache['store'] = {
    get: (key) => cache.store.get(key),
    invalidate: (entities) => cache.store.invalidate(entities),
    set(key, result, entities, ttl) {
      const of = pending;
      pending = null;
      const jobs = of?.jobs;
      const all = jobs?.size ? [...entities, ...[...jobs].map((id) => ({ typename: 'Job', id }))] : [...entities];
      const mark = of ? marks.get(of.context) : undefined;
      if (!of?.context.upstreamAccepted() || mark === undefined || cache.evictedSince(mark, tiedTo(key, all))) {
        if (result.data) unstored.add(result.data);
        return;
      }
      return cache.store.set(key, result, all, ttl);
    },
  };
  return {
    store,
    /** A query the cache serves starts executing: notes, and returns, where the evictions stand. */
    began(context: object): number {
      const mark = cache.mark();
      marks.set(context, mark);
      return mark;
    },
    /** The plugin decides now whether to store the answer of `context` (its `onTtl`). */
    answering(context: GatewayContext): void {
      pending = { context, jobs: jobsHeld(context) };
    },
    notStored: (result: ExecutionResult): boolean => !!result.data && unstored.has(result.data),
  };
}

/** The media types yoga writes a result as (its use-result-processor.ts). */
const RESULT_MEDIA_TYPES = [
  'text/event-stream',
  'multipart/mixed',
  'application/graphql-response+json',
  'application/json',
];

/**
 * Whether yoga would write `request`'s result at all, read as yoga reads `Accept` (its
 * result-processor/accept.ts): a type or range matching one it writes, in UTF-8 (the default). Else
 * yoga runs the operation, then answers 406 Not Acceptable.
 */
function answerable(request: Request): boolean {
  const accept = (request.headers.get('accept') || '*/*').replace(/\s/g, '').toLowerCase();
  for (const entry of accept.split(',')) {
    const [mediaType = '', ...params] = entry.split(';');
    const charset = params.find((param) => param.includes('charset='));
    if (charset !== undefined && charset !== 'charset=utf-8') continue;
    const [type, subtype] = mediaType.split('/');
    for (const written of RESULT_MEDIA_TYPES) {
      const [writtenType, writtenSubtype] = written.split('/');
      if ((type === '*' || type === writtenType) && (subtype === '*' || subtype === writtenSubtype)) return true;
    }
  }
  return false;
}

/**
 * After each mutation (over HTTP or WebSocket, whether it succeeded or not: an upstream change may
 * have happened either way), every cached answer of the caller's account is evicted before the
 * mutation is answered, so that the caller's next query sees what it did: a new job in `jobs`, a
 * dataset gone. Only its own account's, and only once the upstream accepted the caller there: a
 * mutation whose credentials the upstream refused (a token made up, another organization's id),
 * or that never reached it, changed nothing, and evicts nothing (anyone could otherwise empty any
 * organization's cache, on every instance, by naming it).
 */
function useMutationEviction(cache: ResponseCache): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
      const context = args.contextValue as unknown as GatewayContext;
      setExecuteFn(async (executeArgs) => {
        try {
          return await executeFn(executeArgs);
        } finally {
          await evictAccount(cache, context);
        }
      });
    },
  };
}

async function evictAccount(cache: ResponseCache, context: GatewayContext): Promise<void> {
  if (!context.upstreamAccepted()) return;
  let session: ReturnType<GatewayContext['session']>;
  try {
    session = context.session();
  } catch {
    return; // no credentials: nothing was changed, nothing of theirs is cached
  }
  const provider = session.provider.api.name;
  await cache.accountChanged(provider, accountOf(provider, session.credentials));
}
