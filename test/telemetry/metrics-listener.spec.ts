/**
 * The metrics have a listener of their own (issue 21 item 3): `/metrics` answers there, on loopback
 * by default, and not on the public port that the balancer forwards; a port already taken is named.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { StartError } from '../../src/server/start-error.js';
import { createGatewayMetrics } from '../../src/telemetry/gateway-metrics.js';
import { startStack, type Stack } from '../harness/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ http: true, gateway: { metrics: createGatewayMetrics({ processMetrics: false }) } });
});
afterAll(() => stack.close());

describe('the metrics listener', () => {
  it('serves /metrics on its own loopback port, and the public port does not', async () => {
    const metricsUrl = new URL(stack.metricsServer!.url);
    expect(metricsUrl.hostname).toBe('127.0.0.1');
    expect(metricsUrl.port).not.toBe(new URL(stack.server!.url).port);
    const scraped = await fetch(metricsUrl);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('# TYPE gateway_http_responses_total counter');

    const publicPort = await fetch(`${stack.server!.url}/metrics`);
    expect(publicPort.status).toBe(404);
    expect(await publicPort.text()).not.toContain('gateway_');
    // Nothing else is served there.
    expect((await fetch(new URL('/graphql', metricsUrl))).status).toBe(404);
  });

  it('defaults to 127.0.0.1:9464', () => {
    expect(loadConfig({}).metricsListener).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(loadConfig({ METRICS_PORT: '9100', METRICS_HOST: '0.0.0.0' }).metricsListener).toEqual({
      port: 9100,
      host: '0.0.0.0',
    });
  });

  it('says METRICS_PORT is the gateway’s own PORT, rather than another instance’s, when they are the same', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const { port } = free.address() as { port: number };
    await new Promise((resolve) => free.close(resolve));
    const started = startStack({
      http: true,
      sharedSimulator: stack.simulator,
      env: { PORT: String(port), METRICS_PORT: String(port) },
      gateway: { metrics: createGatewayMetrics({ processMetrics: false }) },
    });
    await expect(started).rejects.toThrow(`METRICS_PORT=${port} is the gateway's own PORT`);
  });

  it('names METRICS_PORT when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const started = startStack({
        http: true,
        sharedSimulator: stack.simulator,
        env: { METRICS_PORT: String(port) },
        gateway: { metrics: createGatewayMetrics({ processMetrics: false }) },
      });
      await expect(started).rejects.toThrow(StartError);
      await expect(started).rejects.toThrow(`METRICS_PORT=${port}: the port is already in use on 127.0.0.1`);
    } finally {
      taken.close();
    }
  });
});
