/**
 * OpenTelemetry tracing, off unless configured: a span per GraphQL operation
 * (`@envelop/opentelemetry`) and a client span per upstream exchange, under the caller's W3C
 * `traceparent` when it sends one, and the upstream receives ours. The SDK comes with this module, which
 * the gateway imports only when tracing is configured (build-upstreams.ts), so a gateway without it pays
 * nothing at start-up or at idle. Static imports here, not `import()` of each package: the production
 * bundle (scripts/bundle-server.mjs) gives a dynamically imported CommonJS package no named exports.
 *
 * Each HTTP request's trace id is known from its start (`traceIdOf`), so that its log lines carry it
 * (use-request-id.ts): the caller's, or one chosen here that the operation's root span then takes
 * (the id generator reads it from the request's context). Live-update polls run outside any request:
 * each poller is one trace (live-poller-trace.ts), not one trace per poll.
 *
 * Nothing is registered globally but the async-hooks context manager (OpenTelemetry's context API has
 * only a global one): the tracer provider is passed explicitly, so tests and several gateways in one
 * process keep their own.
 */
import * as envelop from '@envelop/opentelemetry';
import * as api from '@opentelemetry/api';
import type * as Api from '@opentelemetry/api';
import * as hooks from '@opentelemetry/context-async-hooks';
import * as core from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import * as sdk from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Plugin } from 'graphql-yoga';
import type { PollerTracer } from '../live/observed.js';
import type { UpstreamObserver } from '../upstream/observer.js';
import { TRACING_DEFAULTS } from './defaults.js';
import { livePollerTracer } from './live-poller-trace.js';

export interface TracingOptions {
  /** OTLP/HTTP traces endpoint (`http://collector:4318/v1/traces`). Ignored when `exporter` is given. */
  endpoint?: string;
  /** Where spans go instead of OTLP (tests pass an InMemorySpanExporter). */
  exporter?: SpanExporter;
  /** `service.name` of the spans. @default fine-tuning-gateway */
  serviceName?: string;
}

export interface Tracing {
  /** The yoga plugin: continues the caller's trace and opens a span per operation. */
  plugin: Plugin;
  /** A client span per upstream exchange, and its `traceparent` header. */
  upstream: UpstreamObserver;
  /** The trace id of an HTTP request being served (the caller's, or the one its spans will have). */
  traceIdOf(request: Request): string | undefined;
  /** One trace per live-update poller, its polls as child spans (live-poller-trace.ts). */
  pollers: PollerTracer;
  /** Sends the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

export async function createTracing(options: TracingOptions): Promise<Tracing> {
  const { context, trace, SpanKind, ROOT_CONTEXT, createContextKey } = api;
  // False when one is already set (another gateway, or the application's own): that one serves.
  context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());

  const serviceName = options.serviceName ?? TRACING_DEFAULTS.serviceName;
  const exporter = options.exporter ?? new OTLPTraceExporter(options.endpoint ? { url: options.endpoint } : {});
  const processor = options.exporter ? new sdk.SimpleSpanProcessor(exporter) : new sdk.BatchSpanProcessor(exporter);
  // A request without a caller's trace gets its trace id at its start (for its log lines); the root
  // span its operation opens later takes that id from the request's context.
  const CHOSEN_TRACE_ID = createContextKey('fine-tuning-gateway.trace-id');
  const random = new sdk.RandomIdGenerator();
  const idGenerator = {
    generateTraceId: () =>
      (context.active().getValue(CHOSEN_TRACE_ID) as string | undefined) ?? random.generateTraceId(),
    generateSpanId: () => random.generateSpanId(),
  };
  const provider = new sdk.BasicTracerProvider({
    resource: new Resource({ 'service.name': serviceName }),
    idGenerator,
  });
  provider.addSpanProcessor(processor);
  const tracer = provider.getTracer(serviceName);
  const propagator = new core.W3CTraceContextPropagator();
  const headerGetter = {
    keys: (headers: Headers) => [...headers.keys()],
    get: (headers: Headers, key: string) => headers.get(key) ?? undefined,
  };

  const operations = envelop.useOpenTelemetry(
    // Never variables, results or resolver arguments (they carry tokens); the document only when it has
    // no inline arguments (the library's own rule).
    { resolvers: false, variables: false, result: false },
    provider,
    SpanKind.SERVER,
    {},
    serviceName,
  );
  const traceIds = new WeakMap<Request, string>();
  const plugin: Plugin = {
    onPluginInit({ addPlugin }) {
      addPlugin(operations as Plugin);
    },
    instrumentation: {
      request: ({ request }, wrapped) => {
        const extracted = propagator.extract(ROOT_CONTEXT, request.headers, headerGetter);
        const callers = trace.getSpanContext(extracted);
        if (callers && api.isSpanContextValid(callers)) {
          traceIds.set(request, callers.traceId);
          return context.with(extracted, wrapped);
        }
        const chosen = random.generateTraceId();
        traceIds.set(request, chosen);
        return context.with(extracted.setValue(CHOSEN_TRACE_ID, chosen), wrapped);
      },
    },
  };

  return {
    plugin,
    upstream: upstreamSpans(api, tracer, propagator),
    traceIdOf: (request) => traceIds.get(request),
    pollers: livePollerTracer(api, tracer),
    shutdown: () => provider.shutdown(),
  };
}

/** A client span per upstream exchange, under the active span, and the `traceparent` that continues it. */
function upstreamSpans(
  api: typeof Api,
  tracer: Api.Tracer,
  propagator: { inject: (context: Api.Context, carrier: Record<string, string>, setter: Api.TextMapSetter) => void },
): UpstreamObserver {
  const { context, trace, SpanKind, SpanStatusCode, defaultTextMapSetter } = api;
  return {
    start({ method, route, attempt, dryRun }) {
      const span = tracer.startSpan(`${method} ${route}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': method,
          'url.template': route,
          ...(attempt > 1 ? { 'http.request.resend_count': attempt - 1 } : {}),
          ...(dryRun ? { 'gateway.dry_run': true } : {}),
        },
      });
      const headers: Record<string, string> = {};
      propagator.inject(trace.setSpan(context.active(), span), headers, defaultTextMapSetter);
      return {
        headers,
        end({ status }) {
          if (status !== null) span.setAttribute('http.response.status_code', status);
          if (status === null || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
  };
}
