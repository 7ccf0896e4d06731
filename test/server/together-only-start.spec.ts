/**
 * Which providers a gateway serves follows from the upstream URLs (docs/configuration.md): none set,
 * both on their embedded simulators; otherwise those whose URL is set. With `TOGETHER_API_URL` alone
 * (the README's "use the real Together API") the production start once died with an unhandled
 * rejection: it built an Nscale client although Nscale was not enabled, from a URL that was not set.
 *
 * First the production start as `npm start` runs it (dist/server/main-production.js) with
 * `TOGETHER_API_URL` alone, on a Together simulator of this spec: it serves Together, sends its calls
 * there, refuses Nscale by name and names Together's upstream in its start-up log. Then each
 * combination in-process (the composition root): the providers enabled are served, and no client of
 * a provider not enabled is built; settings it could not serve are refused at start by name.
 */
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Settings } from '../../src/config.js';
import { composeGateway, type ComposedGateway } from '../../src/server/compose-gateway.js';
import { StartError, upstreamLines } from '../../src/server/start.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startTogetherSimulator } from '../../src/simulator/together/index.js';
import { createUpstreamClient, type UpstreamClientOptions } from '../../src/upstream/client.js';
import { startGatewayProcess, type GatewayProcess } from '../harness/gateway-process.js';
import { eventually, type GraphQLResponse } from '../harness/stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DATA_DIR = join(tmpdir(), `ftgw-together-only-${process.pid}`);
const BASE_MODELS = '{ baseModels { id } }';
const TOGETHER = { authorization: 'Bearer demo-token' };
const NSCALE = { authorization: 'Bearer demo-token', 'x-organization-id': 'demo-org' };

/** Settings from `env` over a quiet, local base (what the production start reads, minus the process). */
const settingsOf = (env: Record<string, string>): Settings =>
  loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    METRICS_ENABLED: 'false',
    SIMULATOR_JOB_SECONDS: '2',
    DATA_DIR,
    ...env,
  });

async function post(url: string, query: string, headers: Record<string, string>): Promise<GraphQLResponse> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, ...((await response.json()) as Omit<GraphQLResponse, 'status'>) };
}

const total = (simulator: Simulator) => Object.values(simulator.stats()).reduce((a, b) => a + b, 0);

describe('the production start with TOGETHER_API_URL alone', () => {
  let together: Simulator;
  let gateway: GatewayProcess;
  beforeAll(async () => {
    // What `npm start`'s pre-step would build: nothing after `npm ci`, the server part after an edit.
    execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'pipe' });
    together = await startTogetherSimulator({ port: 0, host: '127.0.0.1', jobSeconds: 2 });
    gateway = await startGatewayProcess(
      {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        TOGETHER_API_URL: together.apiBaseUrl,
        // Unset (empty counts as unset), whatever the test's own environment holds.
        NSCALE_API_URL: '',
        REDIS_URL: '',
        DATABASE_URL: '',
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        DATA_DIR,
      },
      ['--max-semi-space-size=64', '--expose-gc', 'dist/server/main-production.js'],
    );
  }, 180_000);
  afterAll(async () => {
    await gateway?.stop();
    await together?.close();
  });

  it('answers a query on Together, named or by default, from the simulator at TOGETHER_API_URL', async () => {
    together.resetStats();
    const byDefault = await post(gateway.url, BASE_MODELS, TOGETHER);
    expect(byDefault.errors).toBeUndefined();
    expect(byDefault.data?.baseModels.length).toBeGreaterThan(0);
    expect(together.stats()['GET /models']).toBe(1);

    const named = await post(gateway.url, '{ jobs { totalCount } }', { ...TOGETHER, 'x-provider': 'together' });
    expect(named.errors).toBeUndefined();
    expect(named.data?.jobs.totalCount).toBe(0);
    expect(together.stats()['GET /fine-tunes']).toBe(1);

    const providers = await post(gateway.url, '{ providers { name } }', TOGETHER);
    expect(providers.data?.providers).toEqual([{ name: 'TOGETHER' }]);
  });

  it('refuses a request naming Nscale (BAD_USER_INPUT naming what it serves), and keeps serving', async () => {
    together.resetStats();
    const refused = await post(gateway.url, BASE_MODELS, { ...NSCALE, 'x-provider': 'nscale' });
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(refused.errors?.[0]?.message).toContain('not a provider this gateway serves: together');
    // What runs on Nscale only is refused on Together before any call.
    const datasets = await post(gateway.url, '{ datasets { id } }', TOGETHER);
    expect(datasets.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(total(together)).toBe(0);
    expect(gateway.child.exitCode).toBeNull();
    expect((await post(gateway.url, BASE_MODELS, TOGETHER)).errors).toBeUndefined();
  });

  it("names the providers it serves, and Together's upstream, in its start-up log", async () => {
    const said = await eventually(() => {
      const lines = gateway
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => String((JSON.parse(line) as { msg: unknown }).msg));
      return lines.some((m) => m.startsWith('GraphQL gateway ready')) ? lines : undefined;
    });
    expect(said).toContain(`upstream: together at ${together.apiBaseUrl}; credentials come from each request`);
    expect(said.filter((m) => m.startsWith('upstream: '))).toHaveLength(1);
    expect(said.find((m) => m.startsWith('providers: '))).toMatch(/^providers: together only .*nscale is not enabled/);
    expect(gateway.output()).not.toContain('"level":60');
  });
});

describe('a misconfigured production start', () => {
  it('is refused with a message naming the setting: no stack trace, no unhandled rejection', async () => {
    execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'pipe' });
    const start = startGatewayProcess({ TOGETHER_API_URL: 'not-a-url', NSCALE_API_URL: '', LOG_LEVEL: 'info' }, [
      'dist/server/main-production.js',
    ]);
    const error = await start.then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain('exited (1)');
    expect(error?.message).toContain('TOGETHER_API_URL="not-a-url": must be an http(s) URL');
    expect(error?.message).not.toMatch(/\n\s+at /);
  }, 180_000);
});

describe('each combination of providers, in-process', () => {
  const running: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const r of running.reverse()) await r.close();
  });

  /** The gateway on `settings`, counting the Nscale clients it builds. */
  async function compose(settings: Settings): Promise<{ composed: ComposedGateway; nscaleClients: string[] }> {
    const nscaleClients: string[] = [];
    const composed = await composeGateway(settings, {
      logger: pino({ level: 'silent' }),
      upstreamClient: (options: UpstreamClientOptions) => {
        nscaleClients.push(options.baseUrl);
        return createUpstreamClient(options);
      },
      webhookDelivery: false,
      listen: false,
    });
    running.push(composed);
    return { composed, nscaleClients };
  }

  async function ask(composed: ComposedGateway, query: string, headers: Record<string, string>) {
    const response = await composed.gateway.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as Omit<GraphQLResponse, 'status'>;
  }

  it('Together alone on a remote URL: served there; no Nscale client, simulator or fallback', async () => {
    const remote = await startTogetherSimulator({ port: 0, host: '127.0.0.1' });
    running.push(remote);
    const settings = settingsOf({ TOGETHER_API_URL: remote.apiBaseUrl });
    expect(settings.providers).toEqual(['together']);
    expect(settings.fallbackCredentials).toBeNull();
    const { composed, nscaleClients } = await compose(settings);
    expect(nscaleClients).toEqual([]);
    expect([composed.simulator, composed.togetherSimulator]).toEqual([null, null]);
    const answered = await ask(composed, BASE_MODELS, TOGETHER);
    expect(answered.errors).toBeUndefined();
    expect(remote.stats()['GET /models']).toBe(1);
    const refused = await ask(composed, BASE_MODELS, { ...NSCALE, 'x-provider': 'nscale' });
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    // The Nscale client the composition hands out sends nothing: it refuses, naming what is served.
    await expect(composed.client.listBaseModels({ token: 't', organizationId: 'o' })).rejects.toThrow(
      'not a provider this gateway serves: together',
    );
    expect(upstreamLines(settings, composed)).toEqual([
      'providers: together only (NSCALE_API_URL is unset while TOGETHER_API_URL is set: nscale is not enabled)',
      `upstream: together at ${remote.apiBaseUrl}; credentials come from each request`,
    ]);
  });

  it("Together alone on its embedded simulator: served there, whose faults the log's address reaches", async () => {
    const settings: Settings = { ...settingsOf({}), providers: ['together'], fallbackCredentials: null };
    const { composed, nscaleClients } = await compose(settings);
    expect(nscaleClients).toEqual([]);
    expect(composed.simulator).toBeNull();
    const simulator = composed.togetherSimulator!;
    expect((await ask(composed, BASE_MODELS, TOGETHER)).errors).toBeUndefined();
    expect(simulator.stats()['GET /models']).toBe(1);
    const lines = upstreamLines(settings, composed);
    expect(lines[1]).toBe(
      `upstream: together on the embedded simulator at ${simulator.apiBaseUrl} (jobs take 2 s; faults: ` +
        `${simulator.origin}/__admin/faults); requests without credentials act as its demo account`,
    );
    expect((await fetch(`${simulator.origin}/__admin/faults`)).status).toBe(200);
  });

  it('Nscale alone: served on NSCALE_API_URL; Together refused, no Together simulator', async () => {
    const remote = await startSimulator({ port: 0, host: '127.0.0.1' });
    running.push(remote);
    const settings = settingsOf({ NSCALE_API_URL: remote.apiBaseUrl });
    expect(settings.providers).toEqual(['nscale']);
    const { composed, nscaleClients } = await compose(settings);
    expect(nscaleClients).toEqual([remote.apiBaseUrl]);
    expect([composed.simulator, composed.togetherSimulator]).toEqual([null, null]);
    expect((await ask(composed, BASE_MODELS, NSCALE)).errors).toBeUndefined();
    expect(remote.stats()['GET /base-models']).toBe(1);
    const refused = await ask(composed, BASE_MODELS, { ...TOGETHER, 'x-provider': 'together' });
    expect(refused.errors?.[0]?.message).toContain('not a provider this gateway serves: nscale');
    expect(upstreamLines(settings, composed)).toEqual([
      'providers: nscale only',
      `upstream: nscale at ${remote.apiBaseUrl}; credentials come from each request`,
    ]);
  });

  it('both, on their embedded simulators (no URL): each served on its own, each named in the log', async () => {
    const settings = settingsOf({});
    expect(settings.providers).toEqual(['nscale', 'together']);
    const { composed, nscaleClients } = await compose(settings);
    expect(nscaleClients).toEqual([composed.simulator!.apiBaseUrl]);
    expect((await ask(composed, BASE_MODELS, NSCALE)).errors).toBeUndefined();
    expect((await ask(composed, BASE_MODELS, { ...TOGETHER, 'x-provider': 'together' })).errors).toBeUndefined();
    expect(composed.simulator!.stats()['GET /base-models']).toBe(1);
    expect(composed.togetherSimulator!.stats()['GET /models']).toBe(1);
    const lines = upstreamLines(settings, composed);
    expect(lines[0]).toBe('providers: nscale, together; a request names one with X-Provider, else nscale serves it');
    expect(lines[1]).toContain(`upstream: nscale on the embedded simulator at ${composed.simulator!.apiBaseUrl}`);
    expect(lines[2]).toContain(`faults: ${composed.togetherSimulator!.origin}/__admin/faults`);
  });

  it('both on remote URLs: each served on its own URL', async () => {
    const nscale = await startSimulator({ port: 0, host: '127.0.0.1' });
    const together = await startTogetherSimulator({ port: 0, host: '127.0.0.1' });
    running.push(nscale, together);
    const settings = settingsOf({ NSCALE_API_URL: nscale.apiBaseUrl, TOGETHER_API_URL: together.apiBaseUrl });
    const { composed, nscaleClients } = await compose(settings);
    expect(nscaleClients).toEqual([nscale.apiBaseUrl]);
    expect((await ask(composed, BASE_MODELS, NSCALE)).errors).toBeUndefined();
    expect((await ask(composed, BASE_MODELS, { ...TOGETHER, 'x-provider': 'together' })).errors).toBeUndefined();
    expect(nscale.stats()['GET /base-models']).toBe(1);
    expect(together.stats()['GET /models']).toBe(1);
  });

  it('settings it could not serve are a StartError naming the variables, with nothing left running', async () => {
    const none = composeGateway({ ...settingsOf({}), providers: [] }, { logger: pino({ level: 'silent' }) });
    await expect(none).rejects.toThrow(StartError);
    await expect(none).rejects.toThrow('set NSCALE_API_URL and/or TOGETHER_API_URL');
    const noTogether = composeGateway(
      { ...settingsOf({ NSCALE_API_URL: 'http://127.0.0.1:9/api/v1' }), providers: ['nscale', 'together'] },
      { logger: pino({ level: 'silent' }) },
    );
    await expect(noTogether).rejects.toThrow(
      'the together provider is enabled without an upstream: set TOGETHER_API_URL',
    );
  });
});
