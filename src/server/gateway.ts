/**
 * The composition root of the GraphQL side: one yoga instance over the schema, with the context that
 * carries the caller's credentials, the streaming upload parser, error reporting, GraphiQL served
 * with no CDN, and health checks. Transports (HTTP, WebSocket, SSE) are wired around it in http.ts.
 */
import type { IncomingMessage } from 'node:http';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import { BaseModelCatalogue } from '../resolvers/base-model-catalogue.js';
import { createGatewayContext, type GatewayContext, type GatewayServices } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import type { LiveUpdates } from '../subscriptions/hub.js';
import type { Credentials, UpstreamClient } from '../upstream/types.js';
import { crossSiteOrigin, resolveCredentials, type PresentedCredentials } from './credentials.js';
import { toClientError } from './to-client-error.js';
import { useDashboard } from './use-dashboard.js';
import { GRAPHIQL_TABS } from './graphiql-examples.js';
import { useInputProblems } from './use-input-problems.js';
import { useOperationLimits, type OperationLimits } from './use-operation-limits.js';
import { useRequestLog } from './use-request-log.js';
import { useStreamingUploads } from './use-streaming-uploads.js';
import { useUnsupportedMediaType } from './use-unsupported-media-type.js';
import { createSocketAdmission, type AdmitSocketOperation } from './admit-socket-operation.js';
import type { DocumentStore } from './bounded-document-store.js';
import type { RateLimit } from './create-rate-limit.js';
import { readinessResponse } from './readiness-response.js';
import { useAutomaticPersistedQueries } from './use-automatic-persisted-queries.js';
import { useFieldSuggestionsSwitch } from './use-field-suggestions-switch.js';
import { useIntrospectionSwitch } from './use-introspection-switch.js';
import { useRateLimit } from './use-rate-limit.js';
import { useTrustedDocuments } from './use-trusted-documents.js';
import type { CircuitBreakerView } from '../upstream/circuit-breaker.js';

export interface GatewayOptions {
  client: UpstreamClient;
  /** Credentials for callers who send none (demo tenant, or explicit single-tenant mode); null refuses them. */
  fallbackCredentials: Credentials | null;
  /** How long a caller's base-model catalogue is reused. @default 60_000 */
  baseModelCacheMs?: number;
  /** Largest upload accepted, in bytes. @default 104_857_600 */
  maxUploadBytes?: number;
  live?: LiveUpdates | null;
  /** Depth, alias, token and cost limits of one operation (see use-operation-limits.ts for defaults). */
  operationLimits?: OperationLimits;
  logger: Logger;
  now?: () => number;
  /** Where the built dashboard is served from (see use-dashboard.ts). @default dist/dashboard/ */
  dashboardDir?: string;
  /** Introspection, GraphiQL and "Did you mean …?" suggestions. @default all true */
  switches?: { introspection?: boolean; graphiql?: boolean; fieldSuggestions?: boolean };
  /** The per-caller rate limit (create-rate-limit.ts). @default none */
  rateLimit?: RateLimit | null;
  /** The automatic persisted queries' store; null turns APQ off. @default none (off) */
  apqStore?: DocumentStore | null;
  /** Trusted-documents mode: only these documents (hash → text) run, and APQ is off. @default none */
  trustedDocuments?: ReadonlyMap<string, string> | null;
  /** Reported in `/readyz`'s body (readiness-response.ts). @default the client's `circuitBreaker`, if any */
  circuitBreaker?: CircuitBreakerView | null;
}

/** What transports put in the server context: a WebSocket brings its connectionParams. */
export interface TransportContext {
  connectionParams?: Readonly<Record<string, unknown>>;
  /** The HTTP request (the WebSocket upgrade request, over WebSocket). */
  req?: IncomingMessage;
  /** Aborted when the subscription or connection ends. */
  signal?: AbortSignal;
}

export interface Gateway {
  yoga: YogaServerInstance<TransportContext, GatewayContext>;
  services: GatewayServices;
  /** Turns `/readyz` to 503 (while draining on shutdown). */
  setReady(ready: boolean): void;
  /** Rate limit and trusted documents for WebSocket subscribes, which yoga's request hooks do not see. */
  admitSocketOperation: AdmitSocketOperation;
}

export function createGateway(options: GatewayOptions): Gateway {
  const services: GatewayServices = {
    client: options.client,
    catalogue: new BaseModelCatalogue({ ttlMs: options.baseModelCacheMs ?? 60_000, ...(options.now ? { now: options.now } : {}) }),
    live: options.live ?? null,
    now: options.now ?? Date.now,
  };
  let ready = true;
  const log = options.logger;
  const breaker = options.circuitBreaker !== undefined ? options.circuitBreaker : (options.client as { circuitBreaker?: CircuitBreakerView | null }).circuitBreaker;

  const yoga = createYoga<TransportContext, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    multipart: false, // useStreamingUploads parses multipart requests without buffering them.
    renderGraphiQL,
    graphiql: options.switches?.graphiql === false ? false : {
      title: 'Fine-tuning gateway',
      subscriptionsProtocol: 'WS',
      defaultTabs: GRAPHIQL_TABS,
      defaultQuery: GRAPHIQL_TABS[0]!.query,
    },
    maskedErrors: {
      isDev: false, // Never stack traces or inner errors in responses, whatever NODE_ENV says.
      maskError: (error) => toClientError(error, (internal) => log.error({ err: internal }, 'internal error (masked for the client)')),
    },
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      // yoga logs every error it sees, the client's own mistakes included; what is really internal is
      // logged once, at error level, by maskError above. Its copies go to debug.
      error: (...args) => log.debug(args.map(String).join(' ')),
    },
    context: ({ request, req, connectionParams, signal }): GatewayContext => {
      const presented: PresentedCredentials = connectionParams
        ? {
            authorization: stringParam(connectionParams, 'authorization', 'Authorization'),
            organizationId: stringParam(connectionParams, 'organizationId', 'organization_id', 'X-Organization-Id'),
            // Over WebSocket the page's origin is on the upgrade request.
            crossSiteOrigin: crossSiteOrigin(req?.headers.origin, req?.headers.host, header(req?.headers['x-forwarded-host'])),
          }
        : {
            authorization: request.headers.get('authorization'),
            organizationId: request.headers.get('x-organization-id'),
            crossSiteOrigin: crossSiteOrigin(request.headers.get('origin'), request.headers.get('host'), request.headers.get('x-forwarded-host')),
          };
      return createGatewayContext(services, resolveCredentials(presented, options.fallbackCredentials), signal ?? request.signal);
    },
    plugins: [
      useRateLimit(options.rateLimit), // first: a refused request costs nothing more
      ...(options.trustedDocuments ? useTrustedDocuments(options.trustedDocuments) : options.apqStore ? useAutomaticPersistedQueries(options.apqStore) : []),
      useIntrospectionSwitch(options.switches?.introspection ?? true),
      useFieldSuggestionsSwitch(options.switches?.fieldSuggestions ?? true),
      useDashboard(options.dashboardDir ? { dir: options.dashboardDir } : {}),
      useRequestLog(log),
      useOperationLimits(options.operationLimits),
      useStreamingUploads({ maxFileBytes: options.maxUploadBytes ?? 100 * 1024 * 1024 }),
      useUnsupportedMediaType(), // after every request parser: it answers only what none of them took
      useInputProblems(),
      useReadinessCheck({ endpoint: '/readyz', check: ({ fetchAPI }) => readinessResponse(ready, breaker, fetchAPI) }),
    ],
  });

  return {
    yoga,
    services,
    setReady(value) {
      ready = value;
    },
    admitSocketOperation: createSocketAdmission({ rateLimit: options.rateLimit ?? null, trustedDocuments: options.trustedDocuments ?? null }),
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function stringParam(params: Readonly<Record<string, unknown>>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = params[name];
    if (typeof value === 'string') return value;
  }
  return undefined;
}
