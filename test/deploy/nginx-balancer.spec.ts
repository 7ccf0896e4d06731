/**
 * The shipped load balancer, run for real (issue 21). deploy/nginx.conf once set the headers the
 * gateway needs at the server level only, while each location set headers of its own; in nginx such
 * a location inherits none, so the gateway saw `Host: gateways`, refused the compose demo's default
 * credentials, and had no client address. Here Debian's nginx runs the shipped file (rewritten for
 * loopback only: start-balancer.ts) twice:
 * - in front of two servers that record what they receive, to see each header in each location;
 * - in front of two gateway processes on Redis and one simulator process, the compose demo on
 *   loopback, where a query, a WebSocket subscription to COMPLETED, the dashboard and an adapter
 *   download must all work through it for a client that reaches the balancer as `balancer.test`.
 * Clients resolve every name to 127.0.0.1 (their own DNS lookup), as /etc/hosts would.
 *
 * Runs against the real Redis at REDIS_URL (default 127.0.0.1:6379). Skipped only where no nginx is
 * installed (`.ci/run` installs Debian's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { LookupFunction } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import { Agent, fetch, FormData } from 'undici';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QA_CSV, LLAMA_INSTRUCT } from '../harness/fixtures.js';
import { startGatewayProcess, type GatewayProcess } from '../harness/gateway-process.js';
import { eventually } from '../harness/stack.js';
import { subscribeWs } from '../harness/ws.js';
import { findNginx, startBalancer, type Balancer } from './start-balancer.js';
import { REDIS, REDIS_SKIP_REASON, REDIS_URL } from '../harness/redis-available.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHIPPED = readFileSync(new URL('../../deploy/nginx.conf', import.meta.url), 'utf8');
const NGINX = findNginx();
const NAME = 'balancer.test';

const toLoopback: LookupFunction = (_host, options, callback) =>
  options.all
    ? (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address: '127.0.0.1', family: 4 },
      ])
    : callback(null, '127.0.0.1', 4);
const agent = new Agent({ connect: { lookup: toLoopback } });
afterAll(() => agent.close());

/** A graphql-ws client on `url` that, like the dashboard in a browser, sends its page's Origin and no token. */
function socketClient(url: string, origin: string): Client {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { lookup: toLoopback, headers: { origin } });
      }
    },
    retryAttempts: 0,
  });
}

const TITLE = NGINX
  ? `deploy/nginx.conf run by ${NGINX}`
  : 'deploy/nginx.conf (skipped: nginx is not installed; `apt-get install nginx`, as .ci/run does)';

describe.skipIf(!NGINX)(TITLE, () => {
  describe('what a gateway receives through each location', () => {
    const received: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
    const recorders: Server[] = [];
    let balancer: Balancer;
    let url: string;

    beforeAll(async () => {
      for (let i = 0; i < 2; i++) {
        const server = createServer((req, res) => {
          received.push({ url: req.url!, headers: req.headers });
          req.resume().on('end', () => res.end('{}'));
        });
        server.on('upgrade', (req, socket) => {
          received.push({ url: req.url!, headers: req.headers });
          socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        recorders.push(server);
      }
      const upstreams = recorders.map((s) => `127.0.0.1:${(s.address() as { port: number }).port}`);
      balancer = await startBalancer(NGINX!, SHIPPED, upstreams);
      url = `http://${NAME}:${balancer.port}`;
    });
    afterAll(async () => {
      await balancer?.stop();
      for (const server of recorders) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    const forwarded = () => ({
      host: `${NAME}:${balancer.port}`,
      'x-forwarded-host': `${NAME}:${balancer.port}`,
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
    });

    it('logs a download link as /downloads/{grant}, and no query string, never the link itself', async () => {
      const grant = 'Gr4nt-0f-a-j0b-w31ghts-3xampl3';
      for (const path of [`/downloads/${grant}`, '/graphql?query=%7Bsecret-query%7D']) {
        const response = await fetch(`${url}${path}`, { dispatcher: agent });
        await response.arrayBuffer();
      }
      await new Promise((resolve) => setTimeout(resolve, 200)); // nginx writes its line after answering
      const log = balancer.accessLog();
      expect(log).toContain('"GET /downloads/{grant} HTTP/1.1" 200');
      expect(log).toContain('"GET /graphql HTTP/1.1" 200');
      expect(log).not.toContain(grant);
      expect(log).not.toContain('secret-query');
    });

    it.each([
      ['/graphql (HTTP)', '/graphql', 'POST'],
      ['/ (the dashboard)', '/dashboard/', 'GET'],
      ['/ (a probe)', '/readyz', 'GET'],
    ])(
      '%s: the name the client used, its address and scheme, and no Connection: close',
      async (_name, path, method) => {
        const response = await fetch(`${url}${path}`, {
          dispatcher: agent,
          method,
          ...(method === 'POST' && { body: '{}', headers: { 'content-type': 'application/json' } }),
        });
        await response.arrayBuffer();
        expect(response.status).toBe(200);
        const request = received.findLast((r) => r.url === path)!;
        expect(request.headers).toMatchObject(forwarded());
        // Connection '' (upstream keep-alive): nginx would otherwise send `close` on every request.
        expect(request.headers.connection).toBeUndefined();
      },
    );

    it('/graphql (WebSocket): the same headers, and the upgrade passed on', async () => {
      const socket = new WebSocket(`ws://${NAME}:${balancer.port}/graphql`, 'graphql-transport-ws', {
        lookup: toLoopback,
      });
      await new Promise<void>((resolve) => socket.once('error', () => resolve()).once('close', () => resolve()));
      const request = received.findLast((r) => r.url === '/graphql' && r.headers.upgrade)!;
      expect(request.headers).toMatchObject({ ...forwarded(), upgrade: 'websocket', connection: 'upgrade' });
      expect(request.headers['sec-websocket-protocol']).toBe('graphql-transport-ws');
    });
  });

  describe.skipIf(!REDIS)(
    `the compose demo on loopback: two gateways on Redis and a simulator behind it${REDIS_SKIP_REASON}`,
    () => {
      let simulator: ChildProcess;
      let simulatorOrigin: string;
      const gateways: GatewayProcess[] = [];
      let balancer: Balancer;
      let url: string;

      beforeAll(async () => {
        ({ simulator, simulatorOrigin } = await startSimulatorProcess());
        const env = {
          NSCALE_API_URL: `${simulatorOrigin}/api/v1`,
          REDIS_URL,
          // compose.yaml's settings, with the name this balancer is reached by listed as it documents.
          GATEWAY_SINGLE_TENANT: 'true',
          NSCALE_API_TOKEN: 'demo-token',
          NSCALE_ORGANIZATION_ID: 'demo-org',
          GATEWAY_ALLOWED_HOSTS: NAME,
          RATE_LIMIT_TRUST_PROXY: 'true',
          POLL_INTERVAL_RUNNING_MS: '200',
          POLL_INTERVAL_QUEUED_MS: '200',
          LOG_LEVEL: 'warn',
        };
        gateways.push(...(await Promise.all([startGatewayProcess(env), startGatewayProcess(env)])));
        balancer = await startBalancer(
          NGINX!,
          SHIPPED,
          gateways.map((g) => new URL(g.url).host),
        );
        url = `http://${NAME}:${balancer.port}`;
      }, 120_000);
      afterAll(async () => {
        await balancer?.stop();
        await Promise.all(gateways.map((g) => g.stop()));
        if (simulator && simulator.exitCode === null) {
          simulator.kill('SIGTERM');
          await new Promise((resolve) => simulator.once('exit', resolve));
        }
      });

      const graphql = async (query: string, variables: Record<string, unknown> = {}, headers = {}, at = url) => {
        const response = await fetch(`${at}/graphql`, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ query, variables }),
        });
        return (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: any }> };
      };
      const upstreamCalls = async () =>
        (await (await fetch(`${simulatorOrigin}/__admin/stats`, { dispatcher: agent })).json()) as Record<
          string,
          number
        >;

      it('answers a query with the demo credentials on the name listed in GATEWAY_ALLOWED_HOSTS', async () => {
        const result = await graphql('{ baseModels { id } }');
        expect(result.errors).toBeUndefined();
        expect(result.data.baseModels).toHaveLength(8);
      });

      it('refuses them on a name not listed, reaching no upstream, without suggesting that name as a setting', async () => {
        const before = await upstreamCalls();
        const result = await graphql('{ baseModels { id } }', {}, {}, `http://gateways:${balancer.port}`);
        expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(result.errors?.[0]?.message).toContain('GATEWAY_ALLOWED_HOSTS');
        expect(result.errors?.[0]?.message).not.toMatch(/GATEWAY_ALLOWED_HOSTS\s*=|list the host/);
        expect(await upstreamCalls()).toEqual(before);
      });

      it('loads the dashboard: its page and assets, and the first request the page makes', async () => {
        const page = await fetch(`${url}/dashboard/`, { dispatcher: agent });
        expect(page.status).toBe(200);
        expect(page.headers.get('content-security-policy')).toContain(`ws://${NAME}:${balancer.port}`);
        const html = await page.text();
        const assets = [...html.matchAll(/(?:src|href)="([^":]+)"/g)].map((m) => m[1]!);
        expect(assets).toEqual(expect.arrayContaining(['app.js', 'app.css']));
        for (const asset of assets) {
          const response = await fetch(`${url}/dashboard/${asset}`, { dispatcher: agent });
          expect([asset, response.status]).toEqual([asset, 200]);
          expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
        }
        // What a browser adds to the page's own fetch; a refusal here is the sign-in form instead of the jobs.
        const probe = await graphql(
          'query Probe { jobs(first: 1) { totalCount } }',
          {},
          { origin: url, 'sec-fetch-site': 'same-origin', accept: 'application/graphql-response+json' },
        );
        expect(probe.errors).toBeUndefined();
        expect(typeof probe.data.jobs.totalCount).toBe('number');
      });

      it('uploads, starts a job, follows it over a WebSocket to COMPLETED, and downloads its adapter', async () => {
        const jobId = await startJob();
        const client = socketClient(url, url);
        try {
          const watch = subscribeWs(client, 'subscription($id: ID!) { jobUpdated(id: $id) { id status } }', {
            id: jobId,
          });
          await watch.done;
          expect(watch.events.every((e) => e.errors === undefined)).toBe(true);
          expect(watch.events.at(-1)!.data.jobUpdated).toEqual({ id: jobId, status: 'COMPLETED' });
        } finally {
          await client.dispose();
        }

        const { data, errors } = await graphql('query($id: ID!) { job(id: $id) { downloadUrl } }', { id: jobId });
        expect(errors).toBeUndefined();
        const link = new URL(data.job.downloadUrl);
        // The simulator's published origin (compose: SIMULATOR_PUBLIC_ORIGIN), not the name the gateway used.
        expect(link.hostname).toBe('downloads.localhost');
        const archive = await fetch(link, { dispatcher: agent });
        expect(archive.status).toBe(200);
        expect(archive.headers.get('content-type')).toBe('application/gzip');
        expect((await archive.arrayBuffer()).byteLength).toBeGreaterThan(0);
      }, 60_000);

      /** Upload (multipart, streamed through nginx), dataset and job, all through the balancer. */
      async function startJob(): Promise<string> {
        const form = new FormData();
        form.set(
          'operations',
          JSON.stringify({
            query: 'mutation($file: Upload!) { uploadFile(file: $file) { id } }',
            variables: { file: null },
          }),
        );
        form.set('map', JSON.stringify({ 0: ['variables.file'] }));
        form.set('0', new Blob([QA_CSV], { type: 'text/csv' }), 'qa.csv');
        const upload = (await (
          await fetch(`${url}/graphql`, { dispatcher: agent, method: 'POST', body: form })
        ).json()) as { data?: any; errors?: unknown };
        expect(upload.errors).toBeUndefined();
        const dataset = await graphql('mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }', {
          i: { name: 'qa', trainingFileId: upload.data.uploadFile.id },
        });
        expect(dataset.errors).toBeUndefined();
        const job = await graphql('mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', {
          i: {
            name: 'through-nginx',
            baseModelId: LLAMA_INSTRUCT,
            dataset: { id: dataset.data.createDataset.id, answerColumn: 'answer' },
          },
        });
        expect(job.errors).toBeUndefined();
        return job.data.createJob.id as string;
      }
    },
  );
});

/**
 * `npm run simulator`'s program (`src/simulator/main.ts`) as its own process, as compose runs it: its
 * download links name a public origin (`downloads.localhost`: the gateway accepts plain-http links
 * on loopback names only, and the test's clients resolve it to 127.0.0.1) on the port it listens on, so the port is chosen before it starts.
 */
async function startSimulatorProcess(): Promise<{ simulator: ChildProcess; simulatorOrigin: string }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
  const simulator = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      SIMULATOR_PORT: String(port),
      SIMULATOR_JOB_SECONDS: '3',
      SIMULATOR_PUBLIC_ORIGIN: `http://downloads.localhost:${port}`,
      SIMULATOR_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  simulator.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  simulator.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const simulatorOrigin = await eventually(
    () => {
      if (simulator.exitCode !== null) throw new Error(`the simulator exited (${simulator.exitCode}): ${out}`);
      return /simulator listening on (http:\/\/\S+)\/api\/v1/.exec(out)?.[1];
    },
    30_000,
    'the simulator to listen',
  );
  return { simulator, simulatorOrigin };
}
