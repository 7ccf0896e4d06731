/**
 * A scrape whose metrics cannot be collected is answered 500, as before, and now logged at error with
 * the error's message. An operator trial's scrape failed (a text past V8's longest string) and nothing
 * said so but Prometheus's `up`.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMetricsServer, type RunningMetricsServer } from '../../src/server/metrics-server.js';

const lines: Array<Record<string, unknown>> = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  }),
);

let broken = false;
let metrics: RunningMetricsServer;

beforeAll(async () => {
  const registry = new Registry();
  new Gauge({
    name: 'gateway_test_reading',
    help: 'A reading that fails while `broken`',
    registers: [registry],
    collect() {
      if (broken) throw new RangeError('Invalid string length');
      this.set(1);
    },
  });
  metrics = await startMetricsServer({ registry, port: 0, logger });
});
afterAll(() => metrics?.close());
beforeEach(() => {
  lines.length = 0;
  broken = false;
});

describe('a scrape that fails', () => {
  it('is answered 500 and logged at error, with the error’s message', async () => {
    broken = true;
    const scraped = await fetch(metrics.url);
    expect(scraped.status).toBe(500);
    expect(await scraped.text()).toBe('The metrics could not be collected.\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      path: '/metrics',
      err: { type: 'RangeError', message: 'Invalid string length' },
    });
    expect(lines[0]!['msg']).toMatch(/metrics.*could not be collected/);
  });

  it('logs nothing when the scrape succeeds', async () => {
    const scraped = await fetch(metrics.url);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('gateway_test_reading 1');
    expect(lines).toEqual([]);
  });
});
