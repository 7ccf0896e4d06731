/**
 * The upstream of the fleet benchmark, in its own process (forked by fleet.ts, pinned with the load
 * generator): the simulator with M organizations and K tokens (token k in organization k mod M), each
 * organization with J jobs whose statuses move on a clock this process holds, behind a proxy that
 * counts the calls it forwards per route.
 *
 * The clock moves in ticks (every --tick-ms of wall time). Between ticks it stands still, so the
 * simulator's answers change only at a tick, and this process knows when: the wall time at which each
 * tick was applied is recorded (`stopped`), and which statuses each job has at every tick was read
 * from the simulator itself before the run (`ready`: each job's states and the ticks at which it
 * entered them). A job lives --job-seconds of wall time (queued 10 %, starting 10 %, running 80 %,
 * then completed, as the simulator plays it); the jobs were created over the life before the measured
 * window opens, so each completes inside it, interleaved between organizations.
 *
 * Every job name in the upstream's answers is suffixed with the label of the token that asked
 * (`fleet-o0-j3 @t7`): tokens of one organization see the same jobs, and the label is how an answer
 * given to the wrong token shows. Each scenario starts from tick 0 (`prepare`): the same changes at
 * the same moments of every scenario. With `proxies` > 1 (`--together`) there is one counting proxy
 * per server run at once, all in front of the one simulator and its one clock: each server's calls
 * are counted apart, and every server sees the same changes at the same moments.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Pool, request } from 'undici';
import { startSimulator } from '../src/simulator/index.js';
import { createUpstreamClient } from '../src/upstream/client.js';
import type { Credentials } from '../src/upstream/types.js';
import { wallNow } from './wall-clock.js';

export interface FleetUpstreamConfig {
  organizations: number;
  tokens: number;
  jobsPerOrganization: number;
  /** Wall seconds from a job's creation to its completion. */
  jobSeconds: number;
  tickMs: number;
  /** Wall ms from the scenario's start (tick 0) to the measured window's start. */
  warmupMs: number;
  /** Wall ms of a scenario's whole timeline, whose statuses are read ahead. */
  timelineMs: number;
  /** Counting proxies in front of the one simulator: one per server run at once (`--together`). @default 1 */
  proxies?: number;
  /** Wall ms each call waits at its proxy before it is forwarded (a remote upstream). @default 0 */
  latencyMs?: number;
}

export interface Tenant {
  /** `t3`: what job names are labelled with, never the token. */
  label: string;
  token: string;
  organizationId: string;
}

export interface FleetJob {
  id: string;
  organizationId: string;
  /** The name as created; tenants read `${name} @${label}`. */
  name: string;
  /** The GraphQL statuses it has in turn (`QUEUED`, `RUNNING`, …), the first at tick 0. */
  states: string[];
  /** The tick at which it entered states[i + 1]. */
  changeTicks: number[];
}

export type FleetUpstreamRequest =
  { type: 'prepare' } | { type: 'start' } | { type: 'calls' } | { type: 'stop' } | { type: 'close' };
export type FleetUpstreamReply =
  | { type: 'ready'; apiBaseUrls: string[]; tenants: Tenant[]; jobs: FleetJob[]; ticks: number }
  | { type: 'prepared' }
  | { type: 'started'; at: number }
  /** The calls each proxy forwarded so far (since `prepare`), by route; in the order of `apiBaseUrls`. */
  | { type: 'calls'; byRoute: Array<Record<string, number>> }
  | { type: 'stopped'; appliedAt: number[] };

const VIRTUAL_JOB_SECONDS = 1_000;
const config = JSON.parse(process.env['BENCH_FLEET'] ?? '{}') as FleetUpstreamConfig;
const send = (m: FleetUpstreamReply) => process.send!(m);

// Virtual ms per wall ms, and the virtual time when the measured window opens.
const speed = VIRTUAL_JOB_SECONDS / config.jobSeconds;
const windowOpens = Date.parse('2026-02-02T12:00:00.000Z');
const ticks = Math.ceil(config.timelineMs / config.tickMs) + 1;
const virtualAt = (tick: number) => windowOpens + speed * (tick * config.tickMs - config.warmupMs);

let clock = windowOpens - VIRTUAL_JOB_SECONDS * 1000 * 2;
const tenants: Tenant[] = Array.from({ length: config.tokens }, (_, k) => ({
  label: `t${k}`,
  token: `fleet-token-${k}`,
  organizationId: `fleet-org-${k % config.organizations}`,
}));
const simulator = await startSimulator({
  port: 0,
  host: '127.0.0.1',
  jobSeconds: VIRTUAL_JOB_SECONDS,
  now: () => clock,
  tenants: tenants.map(({ token, organizationId }) => ({ token, organizationId })),
});

const jobs = await seedJobs();
await readSchedule(jobs);
clock = virtualAt(0);

/** Per organization: one dataset, then its jobs, each created at its own moment of the clock. */
async function seedJobs(): Promise<FleetJob[]> {
  const setup = createUpstreamClient({ baseUrl: simulator.apiBaseUrl, deadlineMs: 30_000 });
  const out: FleetJob[] = [];
  const csv = ['question,answer', ...Array.from({ length: 800 }, (_, i) => `"Question ${i}?","Answer ${i}."`)];
  for (let m = 0; m < config.organizations; m += 1) {
    const owner: Credentials = { token: tenants[m]!.token, organizationId: tenants[m]!.organizationId };
    const models = (await setup.listBaseModels(owner)).slice(0, 3);
    const file = await setup.uploadFile(owner, {
      filename: `fleet-${m}.csv`,
      body: Readable.from([csv.join('\n')]),
      contentType: 'text/csv',
    });
    const dataset = await setup.createDataset(owner, { name: `fleet-dataset-${m}`, trainingFileId: file.id });
    // Oldest first; organizations interleaved, so that their changes fall at different moments.
    for (let n = config.jobsPerOrganization - 1; n >= 0; n -= 1) {
      const age = (n + (m + 0.5) / config.organizations) / config.jobsPerOrganization;
      clock = windowOpens - VIRTUAL_JOB_SECONDS * 1000 * age;
      const model = models[n % models.length]!;
      const job = await setup.createJob(owner, {
        name: `fleet-o${m}-j${n}`,
        baseModelId: model.id,
        dataset: { id: dataset.id, answerColumn: 'answer' },
        hyperparameters: {
          nEpochs: 1,
          batchSize: model.supportedBatchSizes.includes(8) ? 8 : model.supportedBatchSizes[0]!,
        },
      });
      if (!job) throw new Error('the simulator created no job');
      out.push({ id: job.id, organizationId: owner.organizationId, name: job.name, states: [], changeTicks: [] });
    }
  }
  await setup.close();
  return out;
}

/** Each job's statuses over the timeline, read from the simulator at every tick. */
async function readSchedule(all: FleetJob[]): Promise<void> {
  const byId = new Map(all.map((j) => [j.id, j]));
  const owners = tenants.slice(0, config.organizations);
  for (let tick = 0; tick < ticks; tick += 1) {
    clock = virtualAt(tick);
    for (const owner of owners) {
      const answer = await request(
        `${simulator.apiBaseUrl}/organizations/${owner.organizationId}/jobs?limit=100&offset=0`,
        {
          headers: { authorization: `Bearer ${owner.token}` },
        },
      );
      const page = (await answer.body.json()) as { data: Array<{ id: string; status: string }> };
      for (const wire of page.data) {
        const job = byId.get(wire.id)!;
        const status = wire.status.toUpperCase();
        if (job.states.at(-1) === status) continue;
        if (job.states.length > 0) job.changeTicks.push(tick);
        job.states.push(status);
      }
    }
  }
}

// ---- the proxy --------------------------------------------------------------------------------
const labels = new Map(tenants.map((t) => [`Bearer ${t.token}`, t.label]));
const forward = new Pool(simulator.origin, { connections: 64, keepAliveTimeout: 60_000 });
const proxies = config.proxies ?? 1;
let byRoute: Array<Record<string, number>> = [];
const resetCounts = () => (byRoute = Array.from({ length: proxies }, () => ({})));
resetCounts();

const ID_AFTER = new Set(['organizations', 'jobs', 'datasets', 'files', 'models']);
function routeOf(url: string): string {
  const segments = url.split('?')[0]!.split('/');
  return segments
    .map((s, i) => (i > 0 && ID_AFTER.has(segments[i - 1]!) ? '{id}' : s))
    .join('/')
    .replace(/^\/api\/v1\/organizations\/\{id\}/, '');
}

/** A job body (or a page of them) with each name labelled for the token that asked. */
function labelled(body: Buffer, label: string): Buffer {
  const value = JSON.parse(body.toString()) as { name?: string; data?: Array<{ name: string }> };
  if (Array.isArray(value.data)) for (const job of value.data) job.name = `${job.name} @${label}`;
  else if (typeof value.name === 'string') value.name = `${value.name} @${label}`;
  return Buffer.from(JSON.stringify(value));
}

async function proxy(counts: Record<string, number>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const route = `${req.method} ${routeOf(req.url ?? '/')}`;
  counts[route] = (counts[route] ?? 0) + 1;
  const authorization = req.headers.authorization ?? '';
  // Before forwarding: the answer shows the upstream's state when it is made, never one from before the call.
  if (config.latencyMs) await new Promise((resolve) => setTimeout(resolve, config.latencyMs));
  const answer = await forward.request({
    method: req.method as 'GET',
    path: req.url ?? '/',
    headers: {
      authorization,
      accept: 'application/json',
      'content-type': req.headers['content-type'] ?? 'application/json',
    },
    body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
  });
  let body: Buffer = Buffer.from(await answer.body.arrayBuffer());
  const label = labels.get(authorization);
  if (answer.statusCode === 200 && label && (route === 'GET /jobs' || route === 'GET /jobs/{id}'))
    body = labelled(body, label);
  const type = answer.headers['content-type'];
  res
    .writeHead(answer.statusCode, {
      'content-type': typeof type === 'string' ? type : 'application/json',
      'content-length': String(body.length),
    })
    .end(body);
}

const servers = Array.from({ length: proxies }, (_, i) => {
  const server = createServer((req, res) => {
    proxy(byRoute[i]!, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'bad_gateway', message: String(error) }));
    });
  });
  server.keepAliveTimeout = 120_000;
  return server;
});
const ports: number[] = [];
for (const server of servers) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ports.push((server.address() as AddressInfo).port);
}

// ---- the clock's ticks --------------------------------------------------------------------------
let appliedAt: number[] = [];
let timer: NodeJS.Timeout | undefined;

function startTicks(): number {
  const startedAt = wallNow();
  appliedAt = [startedAt];
  clock = virtualAt(0);
  const next = () => {
    const tick = appliedAt.length;
    if (tick >= ticks) return;
    // The time is taken before the clock moves: no answer shows the new state before it.
    appliedAt.push(wallNow());
    clock = virtualAt(tick);
    timer = setTimeout(next, Math.max(0, startedAt + (tick + 1) * config.tickMs - wallNow()));
  };
  timer = setTimeout(next, config.tickMs);
  return startedAt;
}

process.on('message', (m: FleetUpstreamRequest) => {
  switch (m.type) {
    case 'prepare':
      clearTimeout(timer);
      clock = virtualAt(0);
      resetCounts();
      send({ type: 'prepared' });
      return;
    case 'start':
      send({ type: 'started', at: startTicks() });
      return;
    case 'calls':
      send({ type: 'calls', byRoute: byRoute.map((counts) => ({ ...counts })) });
      return;
    case 'stop':
      clearTimeout(timer);
      send({ type: 'stopped', appliedAt });
      return;
    case 'close':
      clearTimeout(timer);
      for (const server of servers) {
        server.closeAllConnections();
        server.close();
      }
      void forward.close().then(() => simulator.close().then(() => process.exit(0)));
      return;
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', apiBaseUrls: ports.map((port) => `http://127.0.0.1:${port}/api/v1`), tenants, jobs, ticks });
