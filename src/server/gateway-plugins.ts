/**
 * The gateway's yoga plugins, in the order they must run: the order is the design (a refused request
 * costs nothing more; the request log sees every answer; secrets are released last), so it is kept
 * in one list here and each entry says why it stands where it does.
 */
import type { Plugin } from 'graphql-yoga';
import type { RateLimit } from './create-rate-limit.js';
import type { GatewayParts } from './gateway.js';
import { GRAPHIQL } from './graphiql-examples.js';
import { readinessResponse } from './readiness-response.js';
import { useAnonymousHealthCheck } from './use-anonymous-health-check.js';
import { useAutomaticPersistedQueries, type DocumentStore } from './use-automatic-persisted-queries.js';
import { useChangedEventsOnly } from './use-changed-events-only.js';
import { useDashboard } from './use-dashboard.js';
import { useDownloads } from './use-downloads.js';
import { useFieldSuggestionsSwitch } from './use-field-suggestions-switch.js';
import { useGraphiQLPage } from './use-graphiql-page.js';
import { useGraphQLJsExecute } from './use-graphql-js-execute.js';
import { useInputProblems } from './use-input-problems.js';
import { useIntrospectionSwitch } from './use-introspection-switch.js';
import { useMetrics } from './use-metrics.js';
import { useFiniteFloats } from './use-finite-floats.js';
import { useOperationLimits } from './use-operation-limits.js';
import type { OperationsPerCaller } from './use-operations-per-caller.js';
import type { SubscriptionsPerCaller } from './subscriptions-per-caller.js';
import { useVariablesDepth } from './use-variables-depth.js';
import { useRateLimit } from './use-rate-limit.js';
import { useReadiness } from './use-readiness.js';
import { useRequestBodyLimit } from './use-request-body-limit.js';
import { useRequestId, type RequestScopes } from './use-request-id.js';
import { useRequestLog } from './use-request-log.js';
import { useSecretScope } from './use-secret-scope.js';
import type { ShutdownDrain } from './use-shutdown-drain.js';
import { useStreamingUploads } from './use-streaming-uploads.js';
import { useTrustedDocuments } from './use-trusted-documents.js';
import { useUnsupportedMediaType } from './use-unsupported-media-type.js';
import { useVaryOrigin } from './cors-allow-list.js';
import { providerAccess } from './create-context-factory.js';
import { requestIdentifier } from './response-cache/cache-identity.js';
import type { Identify } from './response-cache/fast-hits.js';
import { useGatewayResponseCache } from './response-cache/use-response-cache.js';

/** What stands between a request and its execution, built from the settings (operation-guards.ts). */
export interface OperationGuardParts {
  rateLimit: RateLimit | null;
  /** The APQ store; null turns APQ off. */
  apqStore: DocumentStore | null;
  /** Trusted-documents mode: only these documents (hash → text) run, and APQ is off. */
  trustedDocuments: ReadonlyMap<string, string> | null;
}

interface Wiring {
  scopes: RequestScopes;
  drain: ShutdownDrain;
  /** CALLER_MAX_OPERATIONS's table, shared with the cache hits answered before yoga. */
  operations: OperationsPerCaller;
  /** CALLER_MAX_SUBSCRIPTIONS's table (SSE here; WebSocket operations where they are admitted). */
  subscriptions: SubscriptionsPerCaller;
  /** The response cache's caller reading, when the cache is on. */
  identify: Identify | null;
  internalErrors: Plugin;
  /** Why `/readyz` answers 503 now, or null. */
  problem: () => string | null;
}

// GraphiQL's offline bundle is about 30 MB of strings once imported: loaded on the first page view.
const renderGraphiQLPage = async () => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(GRAPHIQL);

export function gatewayPlugins(parts: GatewayParts, wiring: Wiring): Plugin[] {
  const { settings, guards } = parts;
  return [
    useGraphQLJsExecute(),
    useChangedEventsOnly(), // first to see a subscription's events: the others see only those sent
    useRequestId(wiring.scopes),
    ...(parts.tracing ? [parts.tracing.plugin] : []),
    ...(parts.metrics ? [useMetrics({ metrics: parts.metrics })] : []),
    useRateLimit(guards.rateLimit), // first: a refused request costs nothing more
    useVariablesDepth(), // before anything walks the variables
    wiring.operations.plugin,
    wiring.subscriptions.plugin,
    ...(guards.trustedDocuments
      ? useTrustedDocuments(guards.trustedDocuments)
      : guards.apqStore
        ? useAutomaticPersistedQueries(guards.apqStore)
        : []),
    // After the refusals above (a refused request reads no cache) and the persisted operations (the cache keys their text).
    ...(parts.responseCache && wiring.identify
      ? [responseCachePlugin(parts, parts.responseCache, wiring.identify)]
      : []),
    useIntrospectionSwitch(settings.switches.introspection),
    useFieldSuggestionsSwitch(settings.switches.fieldSuggestions),
    useDashboard(parts.dashboardDir ? { dir: parts.dashboardDir } : {}),
    ...(settings.switches.graphiql ? [useGraphiQLPage({ endpoint: '/graphql', render: renderGraphiQLPage })] : []),
    useRequestLog(wiring.scopes),
    // After the request log, whose line it gets (an answer made in onRequest stops the onRequest hooks after it).
    useDownloads({
      links: parts.services.downloads,
      together: parts.services.providers.get('together')?.together ?? null,
      now: parts.services.now,
      redactor: parts.redactor,
      scopes: wiring.scopes,
      ...(parts.metrics ? { count: parts.metrics.download } : {}),
    }),
    useVaryOrigin(),
    wiring.drain.plugin,
    useOperationLimits(settings.operationLimits),
    useFiniteFloats(),
    useStreamingUploads({
      maxFileBytes: settings.maxUploadBytes,
      maxAnalyzeBytes: settings.maxAnalyzeBytes,
      pace: settings.uploadPace,
    }),
    useRequestBodyLimit({
      maxBytes: settings.maxRequestBodyBytes,
      ...(parts.metrics ? { tooDeep: () => parts.metrics!.requestRefusedByLimit('http_json_depth') } : {}),
    }),
    useUnsupportedMediaType(), // after every request parser: it answers only what none of them took
    useInputProblems(),
    wiring.internalErrors, // after every plugin that rewrites execution errors, before yoga masks them
    useReadiness({
      endpoint: '/readyz',
      respond: (fetchAPI) => readinessResponse(wiring.problem(), parts.circuitBreakers, fetchAPI),
    }),
    useAnonymousHealthCheck(),
    useSecretScope(parts.redactor), // last: it releases a request's secrets after every other plugin saw its response
  ];
}

/** Who a request's caller is for the response cache: who the context factory would run it as. */
export function cacheIdentifier(parts: GatewayParts): Identify {
  const { settings, services } = parts;
  const access = providerAccess({
    services,
    fallbackCredentials: settings.fallbackCredentials,
    togetherFallbackToken: settings.together?.fallbackToken ?? null,
  });
  return requestIdentifier(access, settings.allowedHosts);
}

function responseCachePlugin(
  parts: GatewayParts,
  { cache, policy }: NonNullable<GatewayParts['responseCache']>,
  identify: Identify,
): Plugin {
  return useGatewayResponseCache({
    cache,
    policy,
    identify,
    now: parts.services.now,
    ...(parts.metrics ? { count: parts.metrics.responseCacheAnswer } : {}),
  });
}
