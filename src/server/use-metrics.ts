/**
 * `/metrics` and the GraphQL request metrics, through `@graphql-yoga/plugin-prometheus` on the
 * gateway's own registry (src/telemetry/gateway-metrics.ts holds the rest of the gateway's metrics).
 * Only the metrics named here are on; their labels are bounded: operation names capped, error codes
 * from the closed vocabulary, no path of the result, no URL, no organization unless turned on.
 */
import {
  createCounter,
  createHistogram,
  usePrometheus,
  type FillLabelsFnParams,
} from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import type { GatewayMetrics } from '../telemetry/gateway-metrics.js';
import { toClientError } from './to-client-error.js';

export interface UseMetricsOptions {
  metrics: GatewayMetrics;
  /** Where the metrics are served (METRICS_PATH in src/config-variables.ts). */
  path: string;
}

/** GraphQL operations are answered in milliseconds to the upstream's 15 s deadline. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

const PHASE_CODES: Record<string, string> = { parse: 'GRAPHQL_PARSE_FAILED', validate: 'GRAPHQL_VALIDATION_FAILED' };

export function useMetrics(options: UseMetricsOptions): Plugin {
  const { metrics } = options;
  const registry = metrics.registry;
  const { labelNames: operationLabels, fill: operation } = operationLabelling(metrics);

  return usePrometheus({
    registry,
    endpoint: options.path,
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
          help: 'Time from parse to the end of execution of a GraphQL operation (a subscription: until it started), by operation name and type',
          labelNames: operationLabels,
          buckets: BUCKETS,
        },
        fillLabelsFn: operation,
      }),
      graphql_yoga_http_duration: createHistogram({
        registry,
        histogram: {
          name: 'gateway_http_request_duration_seconds',
          help: 'Time to answer an HTTP GraphQL request (to the response headers, for SSE), by operation name and type, method and status',
          labelNames: ['operationName', 'operationType', 'method', 'statusCode'],
          buckets: BUCKETS,
        },
        fillLabelsFn: (params, { request, response }: { request: Request; response: Response }) => ({
          operationName: metrics.operationName(params.operationName),
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

/** The labels every operation metric carries: its capped name, its type, and the organization when turned on. */
function operationLabelling(metrics: GatewayMetrics) {
  const org = metrics.organization;
  const organizationOf = (context: unknown): string => {
    try {
      return org!((context as { credentials?: () => { organizationId: string } }).credentials?.().organizationId);
    } catch {
      return 'none'; // no credentials: the request is refused UNAUTHENTICATED
    }
  };
  return {
    labelNames: ['operationName', 'operationType', ...(org ? ['organization'] : [])],
    fill: (params: FillLabelsFnParams, context: unknown) => ({
      operationName: metrics.operationName(params.operationName),
      operationType: params.operationType ?? 'unknown',
      ...(org ? { organization: organizationOf(context) } : {}),
    }),
  };
}

/** An error's code from the closed vocabulary: its own, its phase's, or what a client would be shown. */
function errorCodeOf(params: FillLabelsFnParams & { error?: unknown; errorPhase?: string }): string {
  const given = (params.error as { extensions?: { code?: unknown } } | undefined)?.extensions?.code;
  if (typeof given === 'string') return given;
  const phaseCode = params.errorPhase ? PHASE_CODES[params.errorPhase] : undefined;
  return phaseCode ?? String(toClientError(params.error).extensions['code'] ?? 'INTERNAL_SERVER_ERROR');
}
