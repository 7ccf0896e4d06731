/**
 * OpenTelemetry tracing, off unless configured: a span per GraphQL operation
 * (`@envelop/opentelemetry`) and a client span per upstream exchange, under the caller's W3C
 * `traceparent` when it sends one, and the upstream receives ours. The SDK is imported only when
 * tracing is created, so a gateway without it pays nothing at start-up or at idle.
 *
 * Nothing is registered globally but the async-hooks context manager (OpenTelemetry's context API has
 * only a global one): the tracer provider is passed explicitly, so tests and several gateways in one
 * process keep their own.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Plugin } from 'graphql-yoga';
import type { UpstreamObserver } from '../upstream/observer.js';

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
  /** Sends the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

export async function createTracing(options: TracingOptions): Promise<Tracing> {
  const [api, core, hooks, sdk, envelop] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/sdk-trace-base'),
    import('@envelop/opentelemetry'),
  ]);
  const { context, trace, SpanKind, SpanStatusCode, ROOT_CONTEXT, defaultTextMapSetter } = api;
  // False when one is already set (another gateway, or the application's own): that one serves.
  context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());

  const serviceName = options.serviceName ?? 'fine-tuning-gateway';
  let exporter = options.exporter;
  if (!exporter) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    exporter = new OTLPTraceExporter(options.endpoint ? { url: options.endpoint } : {});
  }
  const processor = options.exporter ? new sdk.SimpleSpanProcessor(exporter) : new sdk.BatchSpanProcessor(exporter);
  const { Resource } = await import('@opentelemetry/resources');
  const provider = new sdk.BasicTracerProvider({ resource: new Resource({ 'service.name': serviceName }) });
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
  const plugin: Plugin = {
    onPluginInit({ addPlugin }) {
      addPlugin(operations as Plugin);
    },
    instrumentation: {
      request: ({ request }, wrapped) =>
        context.with(propagator.extract(ROOT_CONTEXT, request.headers, headerGetter), wrapped),
    },
  };

  return {
    plugin,
    upstream: {
      start({ method, route, attempt }) {
        const span = tracer.startSpan(`${method} ${route}`, {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': method,
            'url.template': route,
            ...(attempt > 1 ? { 'http.request.resend_count': attempt - 1 } : {}),
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
    },
    shutdown: () => provider.shutdown(),
  };
}
