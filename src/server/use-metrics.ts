/**
 * The GraphQL request metrics, through `@graphql-yoga/plugin-prometheus` on the gateway's own registry
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
import {
  createCounter,
  createHistogram,
  usePrometheus,
  type FillLabelsFnParams,
} from '@graphql-yoga/plugin-prometheus';
import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import { toClientError } from './to-client-error.js';

export interface UseMetricsOptions {
  metrics: GatewayMetrics;
}

/** GraphQL operations are answered in milliseconds to the upstream's 15 s deadline. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

const PHASE_CODES: Record<string, string> = { parse: 'GRAPHQL_PARSE_FAILED', validate: 'GRAPHQL_VALIDATION_FAILED' };

export function useMetrics(options: UseMetricsOptions): Plugin {
  const prometheus = usePrometheusMetrics(options.metrics);
  const responses = useResponseCount(options.metrics);
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(prometheus);
      addPlugin(responses);
    },
  };
}

function usePrometheusMetrics(metrics: GatewayMetrics): Plugin {
  const registry = metrics.registry;
  const { labelNames: operationLabels, fill: operation } = operationLabelling(metrics);
  const withoutOrganization = (params: FillLabelsFnParams, context: unknown) => {
    const { operationName, operationType } = operation(params, context);
    return { operationName, operationType };
  };

  return usePrometheus({
    registry,
    endpoint: false,
    metrics: {
      graphql_envelop_request: createCounter({
        registry,
        counter: {
          name: 'gateway_graphql_requests_total',
          help: 'GraphQL operations executed (queries, mutations, subscriptions), by operation name and type',
          labelNames: operationLabels,
        },
        fillLabelsFn: operation,
      }),
      graphql_envelop_error_result: createCounter({
        registry,
        counter: {
          name: 'gateway_graphql_errors_total',
          help: 'Errors in GraphQL responses, by operation name and type, phase and error code (extensions.code)',
          labelNames: [...operationLabels, 'phase', 'code'],
        },
        fillLabelsFn: (params, context) => ({
          ...operation(params, context),
          phase: params.errorPhase ?? 'execute',
          code: errorCodeOf(params),
        }),
      }),
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
        fillLabelsFn: withoutOrganization,
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

/**
 * Each response by status and the code of its first error. Refusals never reach execution (the rate
 * limit, a body too large or not JSON, a persisted-query miss, an operation limit): the result yoga
 * makes of them, already masked into the closed vocabulary, is read here; a response made without a
 * result (415) counts as `none`.
 */
function useResponseCount(metrics: GatewayMetrics): Plugin {
  const codes = new WeakMap<Request, string>();
  return {
    onResultProcess({ request, result }) {
      const first = (Array.isArray(result) ? result[0] : result) as ExecutionResult | undefined;
      const code = first?.errors?.[0]?.extensions?.['code'];
      if (code !== undefined) codes.set(request, typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR');
    },
    onResponse({ request, response }) {
      metrics.response(response.status, codes.get(request) ?? 'none');
    },
  };
}

interface OperationContext {
  params?: { operationName?: string | null };
  requestId?: string;
  credentials?: () => { organizationId: string };
}

/**
 * The labels every operation metric carries: its capped name, its type, and the organization when
 * turned on. A name or organization takes a free slot only for a caller the upstream accepted in this
 * request (GatewayMetrics.provenCaller).
 */
function operationLabelling(metrics: GatewayMetrics) {
  const org = metrics.organization;
  const organizationOf = (context: OperationContext, proven: boolean): string => {
    try {
      return org!(context.credentials?.().organizationId, proven);
    } catch {
      return 'none'; // no credentials: the request is refused UNAUTHENTICATED
    }
  };
  return {
    labelNames: ['operationName', 'operationType', ...(org ? ['organization'] : [])],
    fill: (params: FillLabelsFnParams, untyped: unknown) => {
      const context = (untyped ?? {}) as OperationContext;
      const proven = metrics.provenCaller(context.requestId);
      const operation = params.document
        ? getOperationAST(params.document, context.params?.operationName ?? undefined)
        : undefined;
      return {
        operationName: metrics.operationName(operation?.name?.value, proven),
        operationType: operation?.operation ?? params.operationType ?? 'unknown',
        ...(org ? { organization: organizationOf(context, proven) } : {}),
      };
    },
  };
}

/** An error's code from the closed vocabulary: its own, its phase's, or what a client would be shown. */
function errorCodeOf(params: FillLabelsFnParams & { error?: unknown; errorPhase?: string }): string {
  const given = (params.error as { extensions?: { code?: unknown } } | undefined)?.extensions?.code;
  if (typeof given === 'string') return given;
  const phaseCode = params.errorPhase ? PHASE_CODES[params.errorPhase] : undefined;
  return phaseCode ?? String(toClientError(params.error).extensions['code'] ?? 'INTERNAL_SERVER_ERROR');
}
