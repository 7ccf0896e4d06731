/**
 * The GraphQL metrics of HTTP and SSE: each operation and each error it answers counted
 * (operation-tally.ts; WebSocket operations are counted by the WebSocket transport), the duration
 * histograms of `@graphql-yoga/plugin-prometheus` on the gateway's own registry
 * (src/telemetry/gateway-metrics.ts holds the rest of the gateway's metrics), and every HTTP response
 * counted by status and error code, refusals included. They are served on their own listener
 * (metrics-server.ts), never on the public port. Only the metrics named here are on; their labels are
 * bounded: operation names capped (and taken only by callers the upstream accepted), error codes from
 * the closed vocabulary, no path of the result, no URL, no organization unless turned on (and then on
 * the request and error counters only).
 *
 * An operation's name is read from its document, the operation it runs, the same way for every
 * metric: unnamed is `anonymous` everywhere (the library's own default says `Anonymous`).
 */
import { createHistogram, usePrometheus, type FillLabelsFnParams } from '@graphql-yoga/plugin-prometheus';
import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import type { RequestProof } from '../telemetry/proven-requests.js';
import { readCaller } from './caller.js';
import { cacheHitLabels, hitOperationName, operationLabels, OperationTally } from './operation-tally.js';

export interface UseMetricsOptions {
  metrics: GatewayMetrics;
}

/** GraphQL operations are answered in milliseconds to the upstream's 15 s deadline. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

export function useMetrics(options: UseMetricsOptions): Plugin {
  const operations = new WeakMap<Request, HttpOperation>();
  const prometheus = usePrometheusMetrics(options.metrics, operations);
  return {
    ...useOperationCount(options.metrics, operations),
    onPluginInit({ addPlugin }) {
      addPlugin(prometheus);
    },
  };
}

function usePrometheusMetrics(metrics: GatewayMetrics, operations: WeakMap<Request, HttpOperation>): Plugin {
  const registry = metrics.registry;
  // The duration of an operation carries its name and type only (no organization on a histogram).
  const durationLabels = (params: FillLabelsFnParams, untyped: unknown) => {
    const context = (untyped ?? {}) as HttpContext;
    const operation = params.document
      ? getOperationAST(params.document, context.params?.operationName ?? undefined)
      : undefined;
    // An HTTP request's own proof; a WebSocket operation's, its connection's id.
    const request = context.request;
    const proven =
      request === undefined ? metrics.provenCaller(context.requestId) : operations.get(request)?.proof?.proven === true;
    return {
      operationName: metrics.operationName(operation?.name?.value, proven),
      operationType: operation?.operation ?? params.operationType ?? 'unknown',
    };
  };

  return usePrometheus({
    registry,
    endpoint: false,
    metrics: {
      // Counted by every transport instead (operation-tally.ts, useOperationCount below): see why there.
      graphql_envelop_request: false,
      graphql_envelop_error_result: false,
      graphql_envelop_request_duration: createHistogram({
        registry,
        histogram: {
          name: 'gateway_graphql_request_duration_seconds',
          help:
            'Time from parse to the end of execution of a GraphQL operation (a subscription: until it ' +
            'started), by operation name and type',
          labelNames: ['operationName', 'operationType'],
          buckets: BUCKETS,
        },
        fillLabelsFn: durationLabels,
      }),
      graphql_yoga_http_duration: createHistogram({
        registry,
        histogram: {
          name: 'gateway_http_request_duration_seconds',
          help: 'Time to answer an HTTP GraphQL request (to the response headers, for SSE), by operation name and type, method and status',
          labelNames: ['operationName', 'operationType', 'method', 'statusCode'],
          buckets: BUCKETS,
        },
        // After the operation: its name has its slot by now if it may have one.
        fillLabelsFn: (params, { request, response }: { request: Request; response: Response }) => ({
          operationName: metrics.operationName(params.operationName, false),
          operationType: params.operationType ?? 'unknown',
          method: request.method,
          statusCode: response.status,
        }),
      }) as never,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_schema_change: false,
      graphql_envelop_execute_resolver: false,
    },
  });
}

/** How yoga's response-cache plugin marks an answer it served (@graphql-yoga/plugin-response-cache). */
const SERVED_FROM_CACHE = Symbol.for('servedFromResponseCache');

/** What the counters read of a yoga context (an HTTP request's; a WebSocket operation's has no `request`). */
interface HttpContext {
  request?: Request;
  params?: { operationName?: string | null };
  requestId?: string;
  credentials?: () => { organizationId?: string | null };
}

/**
 * One HTTP request's operation: its account, and what its labels are made of, learnt as it goes. Kept
 * per request in a WeakMap keyed by the Request: it holds strings and the (cached, shared) document,
 * never the context, which refers to the Request: a value reaching its own key made every entry an
 * ephemeron cycle for the garbage collector, which cost about 20 µs of CPU per request.
 */
class HttpOperation extends OperationTally {
  sentName: string | null | undefined = undefined;
  query: string | null | undefined = undefined;
  document: DocumentNode | null = null;
  /**
   * Its proof, once it executes: the claim on its context's request id, which only the upstream's
   * answers to its own calls set (proven-requests.ts). Then its names may take label slots.
   */
  proof: RequestProof | null = null;
  /** Its caller's, once its context is built, when the organization label is on. */
  organizationId: string | null | undefined = undefined;
  /** The code of the first error of its answer, for `gateway_http_responses_total`; null without one. */
  firstCode: string | null = null;

  /** Counts the operation and the errors of its answer; a stream's are counted as they are sent. */
  answered(result: unknown, request: Request): void {
    const { metrics } = this;
    // A hit of the response cache is answered from its params, its document never parsed, no context
    // built: the organization its caller presented, as for a hit answered before yoga.
    if (this.document === null && (result as Record<symbol, unknown> | null)?.[SERVED_FROM_CACHE] === true) {
      const organizationId = metrics.organization
        ? readCaller({ transport: 'http', request }).credentials.organizationId
        : null;
      this.count(cacheHitLabels(metrics, hitOperationName(this.query, this.sentName), organizationId));
    } else {
      this.count(operationLabels(metrics, this.document, this.sentName, this.proof, this.organizationId));
    }
    if (isAsyncIterable(result)) return;
    if (!Array.isArray(result)) return this.errorsOf(result as ExecutionResult, true);
    for (let i = 0; i < result.length; i++) this.errorsOf(result[i] as ExecutionResult, i === 0); // a batch
  }

  private errorsOf(result: ExecutionResult, first: boolean): void {
    const errors = result.errors;
    if (!errors?.length) return;
    const code = errors[0]!.extensions?.['code'];
    // The response's: its first error's code; one without a code is `none`, as it always was.
    if (first && code !== undefined) this.firstCode = typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
    this.errors(errors);
  }
}

function organizationOf(context: HttpContext): string | null | undefined {
  try {
    return context.credentials?.().organizationId;
  } catch {
    return undefined; // no credentials: the request is refused UNAUTHENTICATED
  }
}

/**
 * The operations of HTTP requests (SSE included) counted, and each response by status and the code of
 * its first error. An operation is followed from its params (its phase moves with envelop's hooks) to
 * the result yoga makes of it, read when it is processed: an answer, or a refusal that never reached
 * execution (the rate limit, a body too large or not JSON, a persisted-query miss, an operation
 * limit), already masked into the closed vocabulary. A response made without a result (415) counts as
 * `none`. The hooks are shared functions: the request path allocates the operation's record alone.
 */
function useOperationCount(metrics: GatewayMetrics, operations: WeakMap<Request, HttpOperation>): Plugin {
  const of = (context: unknown): HttpOperation | undefined => {
    const request = (context as HttpContext | undefined)?.request;
    return request === undefined ? undefined : operations.get(request);
  };
  // A subscription's events are counted as SSE sends them; an error thrown mid-stream cuts the stream,
  // answering nothing.
  const stream = {
    onNext: ({ args, result }: { args: { contextValue?: unknown }; result: ExecutionResult }) => {
      if (result.errors) of(args.contextValue)?.errors(result.errors);
    },
  };
  const executing = (operation: HttpOperation, context: HttpContext) => {
    operation.phase = 'execute';
    // Claimed before its first upstream call, once (a batch's operations share their request's).
    if (operation.proof === null && context.requestId !== undefined)
      operation.proof = metrics.claimRequest(context.requestId);
    if (metrics.organization) operation.organizationId = organizationOf(context);
  };
  const subscribed = {
    onSubscribeResult: ({ result }: { result: unknown }) => (isAsyncIterable(result) ? stream : undefined),
  };
  return {
    onParams({ request, params }) {
      const operation = new HttpOperation(metrics);
      operation.sentName = params.operationName;
      operation.query = params.query;
      operations.set(request, operation);
    },
    onParse({ context }) {
      const operation = of(context);
      if (operation !== undefined) operation.phase = 'parse';
    },
    onValidate({ context, params }) {
      const operation = of(context);
      if (operation === undefined) return;
      operation.document = params.documentAST;
      operation.phase = 'validate';
    },
    onContextBuilding({ context }) {
      const operation = of(context);
      if (operation !== undefined) operation.phase = 'context';
    },
    onExecute({ args }) {
      const operation = of(args.contextValue);
      if (operation !== undefined) executing(operation, args.contextValue as HttpContext);
    },
    onSubscribe({ args }) {
      const operation = of(args.contextValue);
      if (operation === undefined) return undefined;
      executing(operation, args.contextValue as HttpContext);
      return subscribed as never;
    },
    onResultProcess({ request, result }) {
      let operation = operations.get(request);
      if (operation === undefined) operations.set(request, (operation = new HttpOperation(metrics)));
      operation.answered(result, request);
    },
    onResponse({ request, response }) {
      metrics.response(response.status, operations.get(request)?.firstCode ?? 'none');
    },
  };
}
