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
import { cpus, totalmem } from 'node:os';
import { Readable } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { startSimulator } from '../src/simulator/index.js';
import { createUpstreamClient } from '../src/upstream/client.js';
import type { Credentials } from '../src/upstream/types.js';
import { layerTimes, LAYERS, type CpuProfile, type Layer } from './cpu-profile.js';
import type { ChildMessage, GatewayProcessConfig, MemoryReport, ParentMessage } from './gateway-process.js';
import { createLoadClient, type SubscriberPlan } from './load-client.js';
import { parseOptions, scenariosOf, type BenchOptions, type Scenario } from './options.js';
import { portablePath } from './portable-path.js';
import { fmt, median, percentile, ratio, table } from './report.js';
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

interface Row {
  scenario: Scenario;
  /** Distinct (job, token) pairs: the most groups grouping can make. */
  groups: number;
  subscribeSeconds: number;
  subscribed: number;
  verifyCalls: number;
  jobPollsPerInterval: number;
  metricsPollsPerInterval: number;
  heapPerSubscriber: number;
  rssPerSubscriber: number;
  heapBefore: number;
  fanoutP50: number;
  fanoutP99: number;
  fanoutMax: number;
  /** Median over changes of (last subscriber's arrival − change made visible), poll wait included. */
  endToEndLast: number;
  gatewayCpuMsPerChange: number;
  clientCpuMsPerChange: number;
  /** p99 event-loop delay of this process (simulator, probe, subscribers) during the changes: the floor of the latencies. */
  clientLagP99: number;
  missed: number;
  problems: ReturnType<ReturnType<typeof createLoadClient>['problems']>;
  layers?: { busyMs: number; byLayer: Record<Layer, number> };
}

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
    // Warm-up: the code paths of subscribing and delivering run (and are compiled) before the baseline.
    const warm = createLoadClient(url, planFor({ ...scenario, subscribers: 50, sockets: 5, tokens: 1 }, [warmJob]));
    await warm.connect(5);
    await warm.subscribeAll(QUERIES[options.query], 30_000);
    await warm.close();
    await waitForPollers(child, 0, 10_000);
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

    // Steady state: polls per interval, and the idle CPU rate deducted from each change's CPU time.
    const windowIntervals = 3;
    simulator.resetStats();
    const idleStart = await cpuMs(child);
    await sleep(options.intervalMs * windowIntervals);
    const idleEnd = await cpuMs(child);
    const stats = simulator.stats();
    const idleRate = (idleEnd.ms - idleStart.ms) / (idleEnd.at - idleStart.at);

    if (options.cpuProf) await ask(child, { type: 'profile-start' }, 'profile-started');
    const fanout: number[] = [];
    const lastArrivals: number[] = [];
    const gatewayCpu: number[] = [];
    const clientCpu: number[] = [];
    let missed = 0;
    const clientLag = monitorEventLoopDelay({ resolution: 5 });
    clientLag.enable();
    for (let c = 0; c < options.changes; c += 1) {
      const cpuBefore = await cpuMs(child);
      await probe.idle();
      point += 1;
      clock = clockAtPoint(point);
      const changedAt = performance.now();
      const clientBefore = ownCpuMs();
      const arrivals = await load.nextEvents(options.changeTimeoutMs);
      const clientAfter = ownCpuMs();
      const cpuAfter = await cpuMs(child);
      gatewayCpu.push(cpuAfter.ms - cpuBefore.ms - idleRate * (cpuAfter.at - cpuBefore.at));
      clientCpu.push(clientAfter - clientBefore);
      let last = Number.NEGATIVE_INFINITY;
      arrivals.forEach((arrived, i) => {
        const answered = probe.metricsAnsweredAfter(plan.jobOf[i]!, changedAt);
        if (Number.isNaN(arrived) || answered === undefined) {
          missed += 1;
          return;
        }
        fanout.push(arrived - answered);
        last = Math.max(last, arrived);
      });
      lastArrivals.push(last - changedAt);
    }
    clientLag.disable();
    let layers: Row['layers'];
    if (options.cpuProf) {
      const name = `fanout-n${scenario.subscribers}-k${scenario.jobs}-s${scenario.sockets}-t${scenario.tokens}-${scenario.grouping}`;
      const { path } = await ask(child, { type: 'profile-stop', dir: options.profileDir, name }, 'profile-stopped');
      layers = layerTimes(JSON.parse(await readFile(path, 'utf8')) as CpuProfile);
    }

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
      jobPollsPerInterval: (stats['GET /jobs/{id}'] ?? 0) / windowIntervals,
      metricsPollsPerInterval: (stats['GET /jobs/{id}/metrics'] ?? 0) / windowIntervals,
      heapPerSubscriber: (after.heapUsed - before.heapUsed) / scenario.subscribers,
      rssPerSubscriber: (after.rss - before.rss) / scenario.subscribers,
      heapBefore: before.heapUsed,
      fanoutP50: percentile(fanout, 50),
      fanoutP99: percentile(fanout, 99),
      fanoutMax: percentile(fanout, 100),
      endToEndLast: median(lastArrivals),
      gatewayCpuMsPerChange: median(gatewayCpu),
      clientCpuMsPerChange: median(clientCpu),
      clientLagP99: clientLag.percentile(99) / 1e6,
      missed,
      problems,
      ...(layers ? { layers } : {}),
    };
  } finally {
    await Promise.race([ask(child, { type: 'close' }, 'closed'), sleep(10_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function label(s: Scenario): string {
  return `${s.subscribers} subs · ${s.jobs} jobs · ${s.sockets} sockets · ${s.tokens} tokens`;
}

function summaryLine(r: Row): string {
  const p = r.problems;
  const trouble =
    r.missed || p.errors || p.completed || p.closedSockets ? ` PROBLEMS missed=${r.missed} ${JSON.stringify(p)}` : '';
  return (
    `${label(r.scenario)} · grouping ${r.scenario.grouping}: subscribed ${r.subscribed} in ${fmt(r.subscribeSeconds)} s ` +
    `(${r.verifyCalls} GET /jobs/{id}); polls/interval ${fmt(r.jobPollsPerInterval)} + ${fmt(r.metricsPollsPerInterval)} metrics; ` +
    `heap ${fmt(r.heapPerSubscriber, 0)} B/sub, rss ${fmt(r.rssPerSubscriber, 0)} B/sub; fan-out p50 ${fmt(r.fanoutP50)} p99 ${fmt(r.fanoutP99)} max ${fmt(r.fanoutMax)} ms; ` +
    `gateway CPU ${fmt(r.gatewayCpuMsPerChange)} ms/change${trouble}`
  );
}

function renderTables(all: readonly Row[]): string {
  const main = table(
    [
      'scenario',
      'grouping',
      '(job, token) pairs',
      'subscribe s',
      'GET /jobs/{id} while subscribing',
      'polls / interval (job + metrics)',
      'heap B/sub',
      'RSS B/sub',
      'fan-out p50 ms',
      'p99 ms',
      'max ms',
      'change → last sub ms',
      'gateway CPU ms/change',
      'µs/sub',
      'client CPU ms/change',
      'client loop lag p99 ms',
      'missed',
    ],
    all.map((r) => [
      label(r.scenario),
      r.scenario.grouping,
      String(r.groups),
      fmt(r.subscribeSeconds),
      String(r.verifyCalls),
      `${fmt(r.jobPollsPerInterval)} + ${fmt(r.metricsPollsPerInterval)}`,
      fmt(r.heapPerSubscriber, 0),
      fmt(r.rssPerSubscriber, 0),
      fmt(r.fanoutP50),
      fmt(r.fanoutP99),
      fmt(r.fanoutMax),
      fmt(r.endToEndLast),
      fmt(r.gatewayCpuMsPerChange),
      fmt((r.gatewayCpuMsPerChange * 1000) / r.scenario.subscribers),
      fmt(r.clientCpuMsPerChange),
      fmt(r.clientLagP99),
      String(r.missed + r.problems.errors + r.problems.completed),
    ]),
  );

  const pairs = new Map<string, { off?: Row; on?: Row }>();
  for (const r of all) {
    const key = label(r.scenario);
    pairs.set(key, { ...pairs.get(key), [r.scenario.grouping]: r });
  }
  const compared = [...pairs].filter(([, p]) => p.off && p.on);
  const grouping = compared.length
    ? table(
        [
          'scenario',
          'CPU/change off → on',
          'fan-out p99 off → on',
          'heap/sub off → on',
          'GET /jobs/{id} while subscribing off → on',
        ],
        compared.map(([key, { off, on }]) => [
          key,
          `${fmt(off!.gatewayCpuMsPerChange)} → ${fmt(on!.gatewayCpuMsPerChange)} ms (${ratio(on!.gatewayCpuMsPerChange, off!.gatewayCpuMsPerChange)})`,
          `${fmt(off!.fanoutP99)} → ${fmt(on!.fanoutP99)} ms (${ratio(on!.fanoutP99, off!.fanoutP99)})`,
          `${fmt(off!.heapPerSubscriber, 0)} → ${fmt(on!.heapPerSubscriber, 0)} B (${ratio(on!.heapPerSubscriber, off!.heapPerSubscriber)})`,
          `${off!.verifyCalls} → ${on!.verifyCalls}`,
        ]),
      )
    : '';

  const profiled = all.filter((r) => r.layers);
  const profile = profiled.length
    ? table(
        [
          'layer',
          ...profiled.map(
            (r) =>
              `${r.scenario.subscribers}/${r.scenario.jobs}/${r.scenario.sockets}/${r.scenario.tokens} ${r.scenario.grouping}`,
          ),
        ],
        [
          ...LAYERS.map((layer) => [
            layer,
            ...profiled.map((r) => `${fmt((100 * r.layers!.byLayer[layer]) / r.layers!.busyMs)} %`),
          ]),
          ['busy ms over the changes', ...profiled.map((r) => fmt(r.layers!.busyMs))],
        ],
      )
    : '';

  return [
    '### All scenarios',
    main,
    grouping && '### Grouping off → on (same run, same scenario)',
    grouping,
    profile &&
      "### Where the gateway's busy time went during the changes (CPU profile; columns: subscribers/jobs/sockets/tokens)",
    profile,
  ]
    .filter(Boolean)
    .join('\n\n');
}

function machineLine(): string {
  return `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}
