/**
 * The telemetry defaults that are also gateway settings (`METRICS_OPERATION_NAME_LIMIT`,
 * `OTEL_SERVICE_NAME`): the factories and the settings schema both read them here, so they cannot
 * disagree. A file of its own, so that reading the settings loads neither prom-client nor OpenTelemetry.
 */
export const METRICS_DEFAULTS = { operationNameLimit: 100 } as const;

export const TRACING_DEFAULTS = { serviceName: 'fine-tuning-gateway' } as const;
