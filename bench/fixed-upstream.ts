/**
 * The upstream of the throughput benchmark, in its own process (forked by http.ts, pinned with the
 * load generator): the simulator on a clock held still, preloaded with datasets and running jobs
 * with metrics, behind a recording cache. The first GET of a URL is fetched from the simulator; from
 * then on the same bytes are served from memory, so the upstream costs little CPU and answers the
 * same for the whole run. Every answer waits the configured latency first (a timer, not CPU).
 *
 * Over IPC the parent sets the latency and reads the calls made per route (`/jobs/{id}/metrics`,
 * ids replaced), which it divides by the requests served to get upstream calls per request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startSimulator } from '../src/simulator/index.js';
import { createUpstreamClient } from '../src/upstream/client.js';
import type { Credentials } from '../src/upstream/types.js';

export interface FixedUpstreamConfig {
  /** Jobs in the organization (the page shows the newest 20). */
  jobs: number;
  /** Distinct datasets the jobs use, round robin. */
  datasets: number;
  /** Distinct base models the jobs use, round robin (at most what the simulator offers). */
  baseModels: number;
}

export type UpstreamRequest =
  { type: 'latency'; ms: number } | { type: 'calls' } | { type: 'reset' } | { type: 'close' };
export type UpstreamReply =
  | { type: 'ready'; apiBaseUrl: string; organizationId: string; token: string }
  | { type: 'latency-set' }
  | { type: 'calls'; byRoute: Record<string, number> }
  | { type: 'reset-done' };

const JOB_SECONDS = 100_000;
const owner: Credentials = { token: 'demo-token', organizationId: 'demo-org' };
const config = JSON.parse(process.env['BENCH_UPSTREAM'] ?? '{}') as FixedUpstreamConfig;
const send = (m: UpstreamReply) => process.send!(m);

let clock = Date.parse('2026-01-14T12:00:00.000Z');
const simulator = await startSimulator({ port: 0, host: '127.0.0.1', jobSeconds: JOB_SECONDS, now: () => clock });
const setup = createUpstreamClient({ baseUrl: simulator.apiBaseUrl, deadlineMs: 30_000 });

const models = (await setup.listBaseModels(owner)).slice(0, Math.max(1, config.baseModels));
const csv = [
  'question,answer',
  ...Array.from({ length: 800 }, (_, i) => `"Question ${i}?","Answer number ${i}."`),
].join('\n');
const datasetIds: string[] = [];
for (let d = 0; d < config.datasets; d += 1) {
  const file = await setup.uploadFile(owner, {
    filename: `bench-${d}.csv`,
    body: Readable.from([csv]),
    contentType: 'text/csv',
  });
  datasetIds.push((await setup.createDataset(owner, { name: `bench-dataset-${d}`, trainingFileId: file.id })).id);
}
for (let j = 0; j < config.jobs; j += 1) {
  const model = models[j % models.length]!;
  await setup.createJob(owner, {
    name: `bench-job-${j}`,
    baseModelId: model.id,
    dataset: { id: datasetIds[j % datasetIds.length]!, answerColumn: 'answer' },
    hyperparameters: {
      nEpochs: 1,
      batchSize: model.supportedBatchSizes.includes(8) ? 8 : model.supportedBatchSizes[0]!,
    },
  });
  clock += 1_000; // distinct creation times: a stable "newest first" order
}
clock += JOB_SECONDS * 1000 * 0.5; // every job running, about half way, with metric points
await setup.close();

interface Recorded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}
const recorded = new Map<string, Promise<Recorded>>();
let byRoute: Record<string, number> = {};
let latencyMs = 0;

const ID_AFTER = new Set(['organizations', 'jobs', 'datasets', 'files', 'models']);
function routeOf(url: string): string {
  const segments = url.split('?')[0]!.split('/');
  return segments
    .map((s, i) => (i > 0 && ID_AFTER.has(segments[i - 1]!) ? '{id}' : s))
    .join('/')
    .replace(/^\/api\/v1\/organizations\/\{id\}/, '');
}

async function record(req: IncomingMessage): Promise<Recorded> {
  const answer = await request(`${simulator.origin}${req.url}`, {
    method: 'GET',
    headers: { authorization: req.headers.authorization ?? '', accept: 'application/json' },
  });
  const body = Buffer.from(await answer.body.arrayBuffer());
  const type = answer.headers['content-type'];
  return {
    status: answer.statusCode,
    headers: {
      'content-type': typeof type === 'string' ? type : 'application/json',
      'content-length': String(body.length),
    },
    body,
  };
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const route = `${req.method} ${routeOf(req.url ?? '/')}`;
  byRoute[route] = (byRoute[route] ?? 0) + 1;
  req.resume();
  if (req.method !== 'GET') {
    res
      .writeHead(405, { 'content-type': 'application/json' })
      .end('{"error":{"code":"method_not_allowed","message":"the benchmark upstream serves GET only"}}');
    return;
  }
  const key = req.url ?? '/';
  let answer = recorded.get(key);
  if (!answer) {
    answer = record(req);
    recorded.set(key, answer);
  }
  const reply = () =>
    answer.then(
      (r) => res.writeHead(r.status, r.headers).end(r.body),
      () => res.writeHead(502).end(),
    );
  if (latencyMs > 0) setTimeout(reply, latencyMs);
  else void reply();
});
server.keepAliveTimeout = 120_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

process.on('message', (m: UpstreamRequest) => {
  switch (m.type) {
    case 'latency':
      latencyMs = m.ms;
      send({ type: 'latency-set' });
      return;
    case 'calls':
      send({ type: 'calls', byRoute });
      return;
    case 'reset':
      byRoute = {};
      send({ type: 'reset-done' });
      return;
    case 'close':
      server.closeAllConnections();
      server.close();
      void simulator.close().then(() => process.exit(0));
      return;
  }
});
process.on('disconnect', () => process.exit(0));
send({
  type: 'ready',
  apiBaseUrl: `http://127.0.0.1:${port}/api/v1`,
  organizationId: owner.organizationId,
  token: owner.token,
});
