/**
 * The subscription fan-out benchmark (`npm run bench -- --help` lists the options).
 *
 * This process is the load generator and the upstream: it runs the simulator (on a clock it holds
 * still and moves by hand, so that a "change" is one new metric point on every job, made visible
 * at a known instant) behind a timing proxy (upstream-probe.ts), and the subscribers
 * (load-client.ts). The gateway runs in a child process (gateway-process.ts), a fresh one per
 * scenario, so that its CPU time and memory are measured alone. Per scenario it measures:
 *
 * - upstream: `GET /jobs/{id}` made while subscribing, and polls per interval once steady;
 * - memory: the gateway's heap and RSS after a full GC, before and after subscribing, per subscriber;
 * - fan-out: for each change, the time from the gateway holding the new state (its poll answered)
 *   to each subscriber receiving it; and the gateway's CPU time for the change (idle polling deducted);
 * - optionally (`--cpu-prof`) a CPU profile of the gateway over the changes, split by layer.
 *
 * Traffic stays on 127.0.0.1; the run ends by itself (`--max-seconds` kills it at worst).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { startSimulator } from '../src/simulator/index.js';
import { createUpstreamClient } from '../src/upstream/client.js';
import type { Credentials } from '../src/upstream/types.js';
import { layerTimes, type CpuProfile } from './cpu-profile.js';
import { machineLine, renderTables, summaryLine, type Row } from './fanout-report.js';
import type { ChildMessage, GatewayProcessConfig, MemoryReport, ParentMessage } from './gateway-process.js';
import { createLoadClient, type LoadClient, type SubscriberPlan } from './load-client.js';
import { parseOptions, scenariosOf, type BenchOptions, type Scenario } from './options.js';
import { portablePath } from './portable-path.js';
import { median, percentile } from './report.js';
import { startUpstreamProbe } from './upstream-probe.js';

const ORG = 'demo-org';
const JWT_SECRET = 'fanout-bench-secret';
/** Simulated job duration: long enough that no job finishes, however many changes a run makes. */
const JOB_SECONDS = 100_000;
const MODEL = 'e5f6a7b8-c9d0-1234-efab-567890123456';

const QUERIES: Record<BenchOptions['query'], string> = {
  latest:
    'subscription Watch($id: ID!) { jobUpdated(id: $id) { id status startedAt metrics { latest { step trainingLoss } trainingSteps } } }',
  points:
    'subscription Watch($id: ID!) { jobUpdated(id: $id) { id status startedAt metrics { points { step timestamp trainingLoss validationLoss } } } }',
};

const options = parseOptions(process.argv.slice(2));
const children = new Set<ChildProcess>();
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${options.maxSeconds} s; stopping.`);
  for (const child of children) child.kill('SIGKILL');
  process.exit(2);
}, options.maxSeconds * 1000);
watchdog.unref();

let clock = Date.now();
const simulator = await startSimulator({
  port: 0,
  host: '127.0.0.1',
  jobSeconds: JOB_SECONDS,
  jwtSecret: JWT_SECRET,
  now: () => clock,
});
const probe = await startUpstreamProbe(simulator.origin);
const setup = createUpstreamClient({ baseUrl: simulator.apiBaseUrl, deadlineMs: 30_000 });
const owner: Credentials = { token: 'demo-token', organizationId: ORG };

const scenarios = scenariosOf(options);
const maxTokens = Math.max(...scenarios.map((s) => s.tokens));
const tokens = await Promise.all(
  Array.from({ length: maxTokens }, (_, i) =>
    new SignJWT({ organization_id: ORG, sub: `bench-user-${i}` })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(JWT_SECRET)),
  ),
);
const datasetId = await makeDataset();

console.log(machineLine());
console.log(
  `query: ${options.query}; poll interval ${options.intervalMs} ms; ${options.changes} changes per scenario; ${scenarios.length} scenarios\n`,
);

const rows: Row[] = [];
for (const scenario of scenarios) {
  const row = await runScenario(scenario);
  rows.push(row);
  console.log(summaryLine(row));
}

const markdown = renderTables(rows);
console.log(`\n${markdown}`);
if (options.out) {
  await writeFile(`${options.out}.md`, `${machineLine()}\n\n${markdown}\n`);
  const written = {
    ...options,
    ...(options.profileDir === undefined ? {} : { profileDir: portablePath(options.profileDir) }),
    out: portablePath(options.out),
  };
  await writeFile(`${options.out}.json`, JSON.stringify({ machine: machineLine(), options: written, rows }, null, 2));
}
await probe.close();
await setup.close();
await simulator.close();
clearTimeout(watchdog);

// ---------------------------------------------------------------------------------------------

async function makeDataset(): Promise<string> {
  // 800 rows at batch size 8, one epoch: ~99 steps, so every step is a metric point.
  const csv = [
    'question,answer',
    ...Array.from({ length: 800 }, (_, i) => `"Question ${i}?","Answer number ${i}."`),
  ].join('\n');
  const file = await setup.uploadFile(owner, {
    filename: 'bench.csv',
    body: Readable.from([csv]),
    contentType: 'text/csv',
  });
  return (await setup.createDataset(owner, { name: 'bench', trainingFileId: file.id })).id;
}

async function createJobs(count: number): Promise<{ ids: string[]; createdAt: number; steps: number }> {
  const createdAt = clock;
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const job = await setup.createJob(owner, {
      name: `bench-${i}`,
      baseModelId: MODEL,
      dataset: { id: datasetId, answerColumn: 'answer' },
      hyperparameters: { nEpochs: 1, batchSize: 8 },
    });
    ids.push(job.id);
  }
  clock = createdAt + JOB_SECONDS * 1000 * 0.5; // running, about half way
  const metrics = await setup.getMetrics(owner, ids[0]!);
  return { ids, createdAt, steps: metrics.trainingSteps ?? 100 };
}

function startGateway(grouping: boolean): Promise<{ child: ChildProcess; url: string }> {
  const config: GatewayProcessConfig = { upstreamBaseUrl: probe.apiBaseUrl, intervalMs: options.intervalMs, grouping };
  const child = fork(fileURLToPath(new URL('./gateway-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, BENCH_GATEWAY: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the gateway process exited (${code}) before it was ready`)));
    child.once('message', (m: ChildMessage) =>
      m.type === 'ready' ? resolve({ child, url: m.url }) : reject(new Error(`unexpected ${m.type}`)),
    );
  });
}

function ask<T extends ChildMessage['type']>(
  child: ChildProcess,
  message: ParentMessage,
  reply: T,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve) => {
    const onMessage = (m: ChildMessage) => {
      if (m.type !== reply) return;
      child.off('message', onMessage);
      resolve(m as Extract<ChildMessage, { type: T }>);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

async function cpuMs(child: ChildProcess): Promise<{ at: number; ms: number }> {
  const m = await ask(child, { type: 'cpu' }, 'cpu');
  return { at: performance.now(), ms: (m.userUs + m.systemUs) / 1000 };
}

async function memory(child: ChildProcess): Promise<MemoryReport> {
  return (await ask(child, { type: 'memory' }, 'memory')).memory;
}

function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function waitForPollers(child: ChildProcess, count: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await ask(child, { type: 'pollers' }, 'pollers')).count !== count && performance.now() < deadline)
    await sleep(50);
}

function planFor(scenario: Scenario, jobIds: readonly string[]): SubscriberPlan {
  const { subscribers: n, sockets: s, tokens: t } = scenario;
  return {
    socketOf: Array.from({ length: n }, (_, i) => i % s),
    // Round r = ⌊i / sockets⌋ gives socket i mod sockets the job (socket + r) mod jobs: every job is
    // watched from every socket (and so with every token) once there are enough rounds, and with one
    // socket per subscriber the jobs are still spread evenly.
    jobOf: Array.from({ length: n }, (_, i) => jobIds[(i + Math.floor(i / s)) % jobIds.length]!),
    paramsOf: Array.from({ length: s }, (_, socket) => ({
      authorization: `Bearer ${tokens[socket % t]}`,
      organizationId: ORG,
    })),
  };
}

async function runScenario(scenario: Scenario): Promise<Row> {
  const { ids, createdAt, steps } = await createJobs(scenario.jobs + 1);
  const warmJob = ids.pop()!;
  const stepMs = (JOB_SECONDS * 1000 * 0.8) / steps;
  const runningFrom = createdAt + JOB_SECONDS * 1000 * 0.2;
  let point = Math.floor(steps / 2);
  const clockAtPoint = (p: number) => runningFrom + (p + 0.5) * stepMs;
  clock = clockAtPoint(point);

  const { child, url } = await startGateway(scenario.grouping === 'on');
  try {
    await warmUp(url, scenario, warmJob, child);
    const before = await memory(child);

    const plan = planFor(scenario, ids);
    const load = createLoadClient(url, plan);
    simulator.resetStats();
    const subscribing = performance.now();
    await load.connect(200);
    const { received } = await load.subscribeAll(QUERIES[options.query], 120_000);
    const subscribeSeconds = (performance.now() - subscribing) / 1000;
    const verifyCalls = simulator.stats()['GET /jobs/{id}'] ?? 0;

    await sleep(options.intervalMs * 1.5); // every poller past its first poll
    const after = await memory(child);
    const steady = await measureSteady(child);

    if (options.cpuProf) await ask(child, { type: 'profile-start' }, 'profile-started');
    const changes = await measureChanges(child, load, plan, steady.idleRate, () => {
      point += 1;
      clock = clockAtPoint(point);
    });
    const layers = options.cpuProf ? await stopProfile(child, scenario) : undefined;

    const problems = load.problems();
    await load.close();
    return {
      scenario,
      groups: new Set(
        plan.jobOf.map((job, i) => `${job} ${String(plan.paramsOf[plan.socketOf[i]!]!['authorization'])}`),
      ).size,
      subscribeSeconds,
      subscribed: received,
      verifyCalls,
      jobPollsPerInterval: steady.jobPollsPerInterval,
      metricsPollsPerInterval: steady.metricsPollsPerInterval,
      heapPerSubscriber: (after.heapUsed - before.heapUsed) / scenario.subscribers,
      rssPerSubscriber: (after.rss - before.rss) / scenario.subscribers,
      heapBefore: before.heapUsed,
      fanoutP50: percentile(changes.fanout, 50),
      fanoutP99: percentile(changes.fanout, 99),
      fanoutMax: percentile(changes.fanout, 100),
      endToEndLast: median(changes.lastArrivals),
      gatewayCpuMsPerChange: median(changes.gatewayCpu),
      clientCpuMsPerChange: median(changes.clientCpu),
      clientLagP99: changes.clientLagP99,
      missed: changes.missed,
      problems,
      ...(layers ? { layers } : {}),
    };
  } finally {
    await Promise.race([ask(child, { type: 'close' }, 'closed'), sleep(10_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** The code paths of subscribing and delivering run (and are compiled) before the baseline is read. */
async function warmUp(url: string, scenario: Scenario, warmJob: string, child: ChildProcess): Promise<void> {
  const warm = createLoadClient(url, planFor({ ...scenario, subscribers: 50, sockets: 5, tokens: 1 }, [warmJob]));
  await warm.connect(5);
  await warm.subscribeAll(QUERIES[options.query], 30_000);
  await warm.close();
  await waitForPollers(child, 0, 10_000);
}

/** Steady state: polls per interval, and the idle CPU rate that is deducted from each change's CPU time. */
async function measureSteady(
  child: ChildProcess,
): Promise<{ jobPollsPerInterval: number; metricsPollsPerInterval: number; idleRate: number }> {
  const windowIntervals = 3;
  simulator.resetStats();
  const idleStart = await cpuMs(child);
  await sleep(options.intervalMs * windowIntervals);
  const idleEnd = await cpuMs(child);
  const stats = simulator.stats();
  return {
    jobPollsPerInterval: (stats['GET /jobs/{id}'] ?? 0) / windowIntervals,
    metricsPollsPerInterval: (stats['GET /jobs/{id}/metrics'] ?? 0) / windowIntervals,
    idleRate: (idleEnd.ms - idleStart.ms) / (idleEnd.at - idleStart.at),
  };
}

interface ChangeTimes {
  fanout: number[];
  lastArrivals: number[];
  gatewayCpu: number[];
  clientCpu: number[];
  missed: number;
  clientLagP99: number;
}

/** Makes `options.changes` changes (`change` moves the simulator's clock on by one metric point) and times each one's delivery. */
async function measureChanges(
  child: ChildProcess,
  load: LoadClient,
  plan: SubscriberPlan,
  idleRate: number,
  change: () => void,
): Promise<ChangeTimes> {
  const times: ChangeTimes = {
    fanout: [],
    lastArrivals: [],
    gatewayCpu: [],
    clientCpu: [],
    missed: 0,
    clientLagP99: 0,
  };
  const clientLag = monitorEventLoopDelay({ resolution: 5 });
  clientLag.enable();
  for (let c = 0; c < options.changes; c += 1) {
    const cpuBefore = await cpuMs(child);
    await probe.idle();
    change();
    const changedAt = performance.now();
    const clientBefore = ownCpuMs();
    const arrivals = await load.nextEvents(options.changeTimeoutMs);
    const clientAfter = ownCpuMs();
    const cpuAfter = await cpuMs(child);
    times.gatewayCpu.push(cpuAfter.ms - cpuBefore.ms - idleRate * (cpuAfter.at - cpuBefore.at));
    times.clientCpu.push(clientAfter - clientBefore);
    let last = Number.NEGATIVE_INFINITY;
    arrivals.forEach((arrived, i) => {
      const answered = probe.metricsAnsweredAfter(plan.jobOf[i]!, changedAt);
      if (Number.isNaN(arrived) || answered === undefined) {
        times.missed += 1;
        return;
      }
      times.fanout.push(arrived - answered);
      last = Math.max(last, arrived);
    });
    times.lastArrivals.push(last - changedAt);
  }
  clientLag.disable();
  times.clientLagP99 = clientLag.percentile(99) / 1e6;
  return times;
}

async function stopProfile(child: ChildProcess, scenario: Scenario): Promise<Row['layers']> {
  const name = `fanout-n${scenario.subscribers}-k${scenario.jobs}-s${scenario.sockets}-t${scenario.tokens}-${scenario.grouping}`;
  const { path } = await ask(child, { type: 'profile-stop', dir: options.profileDir, name }, 'profile-stopped');
  return layerTimes(JSON.parse(await readFile(path, 'utf8')) as CpuProfile);
}
