/** The start-up log says whether tracing is on and where it exports, and where the metrics are scraped. */
import { describe, expect, it } from 'vitest';
import { logLines, startGatewayProcess, type GatewayProcess } from '../harness/gateway-process.js';
import { eventually } from '../harness/stack.js';

/** The messages logged up to the "ready" line (pino's lines may follow the console's GraphiQL line). */
const messages = (gateway: GatewayProcess) =>
  eventually(() => {
    const said = gateway
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => String((JSON.parse(line) as { msg: unknown }).msg));
    return said.some((m) => m.startsWith('GraphQL gateway ready')) ? said : undefined;
  });

describe('the start-up log', () => {
  it('says tracing is on, and where spans go; and where the metrics are', async () => {
    const gateway = await startGatewayProcess({
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9/',
      OTEL_SERVICE_NAME: 'gw-startup',
    });
    try {
      const said = await messages(gateway);
      expect(said).toContain(
        'tracing: on, spans of service "gw-startup" exported to http://127.0.0.1:9/v1/traces (OTLP/HTTP)',
      );
      const metrics = said.find((m) => m.startsWith('metrics: '))!;
      expect(metrics).toMatch(/^metrics: Prometheus scrapes http:\/\/127\.0\.0\.1:\d+\/metrics /);
      const scraped = await fetch(/http:\/\/\S+\/metrics/.exec(metrics)![0]);
      expect(scraped.status).toBe(200);
      expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404);
    } finally {
      await gateway.stop();
    }
  });

  it('does not send a browser to GraphiQL when it is off', async () => {
    const gateway = await startGatewayProcess({ LOG_LEVEL: 'info', GRAPHIQL_ENABLED: 'false' });
    try {
      const said = await messages(gateway);
      expect(said.find((m) => m.startsWith('GraphQL gateway ready'))).toMatch(
        /^GraphQL gateway ready at http:\/\/localhost:\d+\/graphql \(GraphiQL off: GRAPHIQL_ENABLED=false\)$/,
      );
      expect(gateway.output()).not.toContain('GraphiQL: http');
    } finally {
      await gateway.stop();
    }
  });

  it('says tracing is off, and how to turn it on', async () => {
    const gateway = await startGatewayProcess({ LOG_LEVEL: 'info' });
    try {
      await messages(gateway);
      expect(logLines(gateway.output(), 'tracing: off (set OTEL_EXPORTER_OTLP_ENDPOINT to export spans)')).toHaveLength(
        1,
      );
    } finally {
      await gateway.stop();
    }
  });
});
