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
 *   asks), and any operation over WebSocket (no HTTP request there: only the eviction below runs).
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
 * A query it serves also gets the caller's listed jobs (listed-jobs.ts), when the cache keeps them:
 * its `job(id)` may take a job the caller's list page read a moment before, and its answer then
 * lives only as long as that job may.
 */
import { useResponseCache } from '@graphql-yoga/plugin-response-cache';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../../resolvers/context.js';
import { schema } from '../../schema/index.js';
import { cacheRules, jobsHeld, responseTtl, type ResponseTtlPolicy } from '../../schema/response-cache-policy.js';
import { accountOf, cacheKey, type CacheIdentity } from './cache-identity.js';
import { useResponseCacheHeaders } from './cache-headers.js';
import type { ResponseCacheResult } from '../../telemetry/gateway-metrics.js';
import type { ResponseCache } from './response-cache.js';

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
      request.headers.has('if-none-match')
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
  // The jobs the answer about to be stored holds, as `Job`'s `isTypeOf` noted them: the plugin ties an
  // answer to the jobs whose `id` it holds, and a job whose `id` the query skipped (`@skip`,
  // `@include`) would otherwise not evict it when it changes. The plugin asks `onTtl` of each answer
  // and, in the same turn, stores it or not: what `onTtl` reads goes with the next `set`.
  let held: ReadonlySet<string> | null = null;
  const store: ResponseCache['store'] = {
    get: (key) => cache.store.get(key),
    invalidate: (entities) => cache.store.invalidate(entities),
    set(key, result, entities, ttl) {
      const jobs = held;
      held = null;
      const all = jobs?.size ? [...entities, ...[...jobs].map((id) => ({ typename: 'Job', id }))] : entities;
      return cache.store.set(key, result, all, ttl);
    },
  };
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        useResponseCache<GatewayContext>({
          cache: store,
          enabled: (request) => served(request),
          session: (request) => (served(request) ? identityOf(request)!.session : null),
          buildResponseCacheKey: ({ documentString, operationName, variableValues, request }) => {
            const identity = served(request) ? identityOf(request) : null;
            return identity ? cacheKey(identity, documentString, operationName, variableValues) : '';
          },
          ttl: 0,
          ...cacheRules(schema, policy),
          onTtl: ({ ttl, context }) => {
            held = jobsHeld(context);
            return Math.min(
              responseTtl(context, ttl, policy, now()),
              untilExpiry((context as { request?: Request }).request),
            );
          },
          invalidateViaMutation: true,
          includeExtensionMetadata: true,
        }),
      );
      addPlugin(useResponseCacheHeaders(options.now, options.count));
      addPlugin(useMutationEviction(cache));
    },
    onExecute({ args }) {
      // A query the cache serves may answer `job(id)` from the caller's list pages (listed-jobs.ts).
      const listed = cache.listedJobs;
      const context = args.contextValue as unknown as GatewayContext & { request?: Request };
      if (!listed || !served(context.request)) return;
      if (getOperationAST(args.document, args.operationName)?.operation !== 'query') return;
      // `served` read the identity: not null here.
      context.listedJobs = listed.forRequest(identityOf(context.request)!, context);
    },
  };
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
