/**
 * The settings of what the gateway tells its operators: its log lines (level, and how they reach
 * stdout), its Prometheus metrics (their own listener, never the public port) and its OpenTelemetry
 * traces. Part of the one settings schema (config-variables.ts lists them in its order).
 */
import { z } from 'zod';
import { about } from './config-about.js';
import { bool, httpUrl, port, positiveInt } from './env-values.js';
import { METRICS_DEFAULTS, TRACING_DEFAULTS } from './telemetry/defaults.js';

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export const observabilityVariables = {
  LOG_LEVEL: about(logLevel.default('info'), 'pino log level (`silent` turns logging off).'),
  LOG_WRITES: about(
    z.enum(['sync', 'async']).default('sync'),
    'How log lines reach stdout. `sync`: each line is written as it is made, on the event loop (nothing ' +
      'is lost if the process is killed; a stdout nobody reads stalls the gateway). `async`: through ' +
      "libuv's thread pool, lines queued in memory while a write is in flight (a handoff between threads " +
      "per write: at a dashboard fleet's pace it cost 11 % more CPU per request, bench/RESULTS.md).",
  ),
  METRICS_ENABLED: about(
    bool.default(true),
    'Serve Prometheus metrics on their own listener (`METRICS_HOST`:`METRICS_PORT`, at `METRICS_PATH`), never on the public port.',
  ),
  METRICS_PORT: about(
    port.default(9464),
    'Port of the metrics listener, apart from `PORT` so that the balancer never exposes it. ' +
      'Prometheus scrapes each instance there; two instances on one machine need two ports (`0` picks ' +
      'a free one, logged at start).',
  ),
  METRICS_HOST: about(
    z.string().min(1).default('127.0.0.1'),
    'Interface of the metrics listener. Loopback by default: set the address Prometheus reaches ' +
      '(`0.0.0.0` in a container or a pod, whose port only the cluster network sees).',
  ),
  METRICS_PATH: about(
    z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/, { message: 'must be a path starting with /, such as /metrics' })
      .default('/metrics'),
    'Path of the Prometheus metrics.',
  ),
  METRICS_OPERATION_NAME_LIMIT: about(
    positiveInt.default(METRICS_DEFAULTS.operationNameLimit),
    'Distinct GraphQL operation names with their own metric series; later names are reported as `other`.',
  ),
  METRICS_ORGANIZATION_LABEL: about(
    bool.default(false),
    "Label the GraphQL request and error counters (not the duration histograms) with the caller's " +
      'organization id (bounded like operation names).',
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: about(
    httpUrl('http://collector:4318').optional(),
    'OTLP/HTTP collector base URL (spans go to `<url>/v1/traces`). Setting it turns OpenTelemetry ' +
      'tracing on; unset, tracing is off and its SDK is never loaded.',
    'unset (off)',
  ),
  OTEL_SERVICE_NAME: about(
    z.string().min(1).default(TRACING_DEFAULTS.serviceName),
    "`service.name` of the gateway's spans.",
  ),
};
