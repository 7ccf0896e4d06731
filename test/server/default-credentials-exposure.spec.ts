/**
 * Single-tenant mode on an address other machines reach warns at start (trial 3). The default
 * credentials' rule on `Host` (loopback names, GATEWAY_ALLOWED_HOSTS) stops web pages re-bound to the
 * gateway's address (DNS rebinding), not other clients: anyone who reaches the port can send
 * `Host: localhost` and spend the operator's credit, and compose published the port on every interface.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Settings } from '../../src/config.js';
import { defaultCredentialsExposure, startFromConfig } from '../../src/server/start.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';

const DATA_DIR = join(tmpdir(), `ftgw-exposure-${process.pid}`);
const OPERATOR = { NSCALE_API_TOKEN: 'demo-token', NSCALE_ORGANIZATION_ID: 'demo-org' };

const settingsOf = (env: Record<string, string>): Settings =>
  loadConfig({ PORT: '0', LOG_LEVEL: 'info', METRICS_ENABLED: 'false', WEBHOOKS_ENABLED: 'false', DATA_DIR, ...env });

/** The warn lines (pino level 40) a start logs. */
async function startWarnings(settings: Settings): Promise<string[]> {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const running = await startFromConfig(settings, logger);
  await running.close();
  return lines.filter((line) => line.level === 40).map((line) => line.msg);
}

describe('the start-up warning of single-tenant mode', () => {
  let upstream: Simulator;
  beforeAll(async () => {
    upstream = await startSimulator({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => upstream?.close());

  it('is logged once when the gateway listens on every interface, saying what anyone can do and what to do', async () => {
    const settings = settingsOf({
      HOST: '0.0.0.0',
      NSCALE_API_URL: upstream.apiBaseUrl,
      GATEWAY_SINGLE_TENANT: 'true',
      ...OPERATOR,
    });
    const warnings = (await startWarnings(settings)).filter((msg) => msg.includes('GATEWAY_SINGLE_TENANT'));
    expect(warnings).toEqual([
      'single-tenant mode (GATEWAY_SINGLE_TENANT) listening on HOST=0.0.0.0, not a loopback address: anyone ' +
        "who can reach this port can use the operator's credentials (NSCALE_API_TOKEN and NSCALE_ORGANIZATION_ID) " +
        `by sending "Host: localhost" (the default credentials' Host rule stops web pages, not other clients). ` +
        'Listen on loopback (HOST=127.0.0.1, or publish the port on 127.0.0.1 only), or let only a proxy that ' +
        'authenticates its clients reach the port.',
    ]);
  });

  it('is not logged on loopback', async () => {
    const settings = settingsOf({
      HOST: '127.0.0.1',
      NSCALE_API_URL: upstream.apiBaseUrl,
      GATEWAY_SINGLE_TENANT: 'true',
      ...OPERATOR,
    });
    expect(await startWarnings(settings)).toEqual([]);
  });

  it.each([
    ['::1 (IPv6 loopback)', { HOST: '::1', GATEWAY_SINGLE_TENANT: 'true', ...OPERATOR }, null],
    ['localhost', { HOST: 'localhost', GATEWAY_SINGLE_TENANT: 'true', ...OPERATOR }, null],
    ['127.0.0.2', { HOST: '127.0.0.2', GATEWAY_SINGLE_TENANT: 'true', ...OPERATOR }, null],
    ['a LAN address', { HOST: '10.0.0.5', GATEWAY_SINGLE_TENANT: 'true', ...OPERATOR }, 'HOST=10.0.0.5'],
    ['every IPv6 interface', { HOST: '::', GATEWAY_SINGLE_TENANT: 'true', ...OPERATOR }, 'HOST=::,'],
    // Callers bring their own credentials: nothing is lent.
    ['multi-tenant on every interface', { HOST: '0.0.0.0' }, null],
  ])('on %s, with a remote upstream', (_name, env, expected) => {
    const warning = defaultCredentialsExposure(settingsOf({ NSCALE_API_URL: 'http://upstream.test/api/v1', ...env }));
    if (expected === null) expect(warning).toBeNull();
    else expect(warning).toContain(expected);
  });

  it("names Together's key when Together lends it", () => {
    const settings = settingsOf({
      HOST: '0.0.0.0',
      TOGETHER_API_URL: 'http://together.test/v1',
      GATEWAY_SINGLE_TENANT: 'true',
      TOGETHER_API_KEY: 'operator-key',
    });
    expect(defaultCredentialsExposure(settings)).toContain("the operator's credentials (TOGETHER_API_KEY)");
  });

  it("is not logged for the embedded simulator's demo tenant (nobody's credit)", () => {
    expect(defaultCredentialsExposure(settingsOf({ HOST: '0.0.0.0' }))).toBeNull();
  });
});
