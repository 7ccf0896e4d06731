/** The metrics and tracing settings: defaults, switches, and a bad value named. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('metrics and tracing settings', () => {
  it('has metrics on at /metrics, 100 operation names, no organization label, and tracing off by default', () => {
    const config = loadConfig({});
    expect(config.metrics).toEqual({
      enabled: true,
      path: '/metrics',
      operationNameLimit: 100,
      organizationLabel: false,
    });
    expect(config.tracing).toBeNull();
  });

  it('reads the switches', () => {
    const config = loadConfig({
      METRICS_ENABLED: 'false',
      METRICS_PATH: '/internal/metrics',
      METRICS_OPERATION_NAME_LIMIT: '20',
      METRICS_ORGANIZATION_LABEL: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_SERVICE_NAME: 'gw-a',
    });
    expect(config.metrics).toEqual({
      enabled: false,
      path: '/internal/metrics',
      operationNameLimit: 20,
      organizationLabel: true,
    });
    expect(config.tracing).toEqual({ tracesUrl: 'http://collector:4318/v1/traces', serviceName: 'gw-a' });
  });

  it('names a bad value', () => {
    expect(() => loadConfig({ METRICS_PATH: 'metrics' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_PATH: 'metrics' })).toThrow(
      /METRICS_PATH="metrics": must be a path starting with \//,
    );
    expect(() => loadConfig({ METRICS_OPERATION_NAME_LIMIT: '0' })).toThrow(/METRICS_OPERATION_NAME_LIMIT="0"/);
  });
});
