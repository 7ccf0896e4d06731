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
import { currentRequestScope } from '../telemetry/request-scope.js';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import type { Tracing } from '../telemetry/tracing.js';
import { useMetrics } from './use-metrics.js';
import { useRequestId } from './use-request-id.js';
import { useStreamingUploads } from './use-streaming-uploads.js';
import { useUnsupportedMediaType } from './use-unsupported-media-type.js';

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
  /** Prometheus metrics, served at `metricsPath` (src/telemetry/gateway-metrics.ts). @default none */
  metrics?: GatewayMetrics | null;
  /** @default /metrics */
  metricsPath?: string;
  /** OpenTelemetry tracing (src/telemetry/tracing.ts). @default none */
  tracing?: Tracing | null;
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
  /** The gateway's metrics, when on: the transports report their connections to it. */
  metrics: GatewayMetrics | null;
  /** The gateway's logger (transports log WebSocket connections with it). */
  logger: Logger;
}

export function createGateway(options: GatewayOptions): Gateway {
  const services: GatewayServices = {
    client: options.client,
    catalogue: new BaseModelCatalogue({
      ttlMs: options.baseModelCacheMs ?? 60_000,
      ...(options.now ? { now: options.now } : {}),
      ...(options.metrics ? { onLookup: options.metrics.catalogueLookup } : {}),
    }),
    live: options.live ?? null,
    now: options.now ?? Date.now,
  };
  let ready = true;
  const log = options.logger;

  const yoga = createYoga<TransportContext, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    multipart: false, // useStreamingUploads parses multipart requests without buffering them.
    renderGraphiQL,
    graphiql: {
      title: 'Fine-tuning gateway',
      subscriptionsProtocol: 'WS',
      defaultTabs: GRAPHIQL_TABS,
      defaultQuery: GRAPHIQL_TABS[0]!.query,
    },
    maskedErrors: {
      isDev: false, // Never stack traces or inner errors in responses, whatever NODE_ENV says.
      maskError: (error) =>
        toClientError(error, (internal) => (currentRequestScope()?.log ?? log).error({ err: internal }, 'internal error (masked for the client)')),
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
      useRequestId(log),
      ...(options.tracing ? [options.tracing.plugin] : []),
      ...(options.metrics ? [useMetrics({ metrics: options.metrics, ...(options.metricsPath ? { path: options.metricsPath } : {}) })] : []),
      useDashboard(options.dashboardDir ? { dir: options.dashboardDir } : {}),
      useRequestLog(log),
      useOperationLimits(options.operationLimits),
      useStreamingUploads({ maxFileBytes: options.maxUploadBytes ?? 100 * 1024 * 1024 }),
      useUnsupportedMediaType(), // after every request parser: it answers only what none of them took
      useInputProblems(),
      useReadinessCheck({ endpoint: '/readyz', check: () => ready }),
    ],
  });

  if (options.metrics && services.live) options.metrics.watchLiveUpdates(services.live);
  return {
    yoga,
    services,
    metrics: options.metrics ?? null,
    logger: log,
    setReady(value) {
      ready = value;
    },
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
