/**
 * The throughput benchmark (`npm run bench:http`, options: `--help`): what a GraphQL query costs
 * through the gateway, against what the same answer costs from a bare REST pass-through (node:http +
 * undici, no GraphQL: the baseline), from a minimal graphql-yoga + Pothos server (floor-server.ts: the
 * floor, yoga's request layer without what the gateway adds) and from a bare node:http server
 * returning the same bytes (the ceiling), measured in one run.
 *
 * Processes: the server under test (the gateway as `npm start` runs it, or a reference server from
 * reference-server.ts or floor-server.ts) alone on --server-cpus; this process (the load generator) and the fixed-data
 * upstream (fixed-upstream.ts, its own process) on --client-cpus. CPU time and memory of the server
 * are read from /proc from outside (server-process.ts), upstream calls are counted by the upstream,
 * and every answer is checked (http-load.ts). Results: tables on stdout, and with --out a markdown
 * and a JSON file. Traffic stays on 127.0.0.1; --max-seconds stops the run at worst.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { forkChannel } from './child-channel.js';
import type { FixedUpstreamConfig, UpstreamReply, UpstreamRequest } from './fixed-upstream.js';
import { FLAT_QUERY, flatPageBody, PAGE_PATH } from './flat-page.js';
import { closedLoop, createChecker, createPool, openLoop, type LoadTarget } from './http-load.js';
import { parseHttpOptions, type TargetName } from './http-options.js';
import { busyProcesses, choosePinning, describeBusy, describeMachine, loadNow, uptime } from './machine.js';
import { transpileToPlainJs } from './plain-js.js';
import { portableCommand, portablePath } from './portable-path.js';
import { renderHttpReport, type Measurement, type ProcessMemory } from './http-report.js';
import { summarizeProfile, type ProfileSummary } from './profile-summary.js';
import { fmt } from './report.js';
import { freePort, startScript, startServer, type ServerProcess } from './server-process.js';

const options = parseHttpOptions(process.argv.slice(2));
const root = fileURLToPath(new URL('..', import.meta.url));
const startedAt = performance.now();
const servers = new Set<ServerProcess>();

// ---- pinning and machine ---------------------------------------------------------------------
const { serverCpus, pinning } = choosePinning(options);
const machine = { ...describeMachine(), busyAtStart: describeBusy(await busyProcesses()) };
console.log(
  `machine: ${machine.cpus}, ${machine.memoryGiB} GiB, Node ${machine.node}; load at start: ${machine.uptimeAtStart}; busy: ${machine.busyAtStart}`,
);
console.log(pinning);

// The upstream inherits this process's pinning (the load generator's cores).
const upstream = forkChannel<UpstreamRequest, UpstreamReply>(
  fileURLToPath(new URL('./fixed-upstream.ts', import.meta.url)),
  {
    BENCH_UPSTREAM: JSON.stringify({
      jobs: options.jobs,
      datasets: options.datasets,
      baseModels: options.baseModels,
    } satisfies FixedUpstreamConfig),
  },
);
const watchdog = setTimeout(() => {
  console.error(`bench:http: still running after ${options.maxSeconds} s; stopping.`);
  for (const server of servers) void server.stop(0);
  upstream.child.kill('SIGKILL');
  setTimeout(() => process.exit(2), 500);
}, options.maxSeconds * 1000);
watchdog.unref();

const QUERIES: Record<'flat' | 'base-model' | 'linked', string> = {
  flat: FLAT_QUERY,
  'base-model':
    'query BaseModel { jobs(first: 20) { totalCount edges { node { id name status createdAt baseModel { name } } } } }',
  linked:
    'query Linked { jobs(first: 20) { totalCount edges { node { id name status createdAt baseModel { name } dataset { name } metrics { latest { step trainingLoss } } } } } }',
};

// ---- upstream ---------------------------------------------------------------------------------
const { apiBaseUrl, organizationId, token } = await upstream.ready();
const pageUrl = `${apiBaseUrl}/organizations/${organizationId}${PAGE_PATH}`;
const flatBody = flatPageBody(await (await fetch(pageUrl, { headers: { authorization: `Bearer ${token}` } })).text());

const referenceDir = await transpileToPlainJs(root, [
  'reference-server.ts',
  'flat-page.ts',
  'fleet-page.ts',
  'floor-server.ts',
]);
const gatewayCommand = options.gatewayCommand ?? startScript(root);
// The load is one caller on --connections connections: the per-caller bound on operations in flight
// (a fairness guard, 32 by default) would refuse part of it, so it is raised to that many unless
// --gateway-env says otherwise. The metrics listener takes a free port (METRICS_PORT=0): its default,
// 9464, may be another instance's on a shared machine. Every other setting is the gateway's default.
const gatewayEnv: Record<string, string> = {
  CALLER_MAX_OPERATIONS: String(options.connections),
  METRICS_PORT: '0',
  ...Object.fromEntries(
    (options.gatewayEnv?.split(',') ?? []).map((pair) => [
      pair.slice(0, pair.indexOf('=')),
      pair.slice(pair.indexOf('=') + 1),
    ]),
  ),
};
console.log(
  `gateway: \`${gatewayCommand}\` with NSCALE_API_URL=${apiBaseUrl} and ${Object.entries(gatewayEnv)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`,
);

// ---- the run ----------------------------------------------------------------------------------
const measurements: Measurement[] = [];
const memories: ProcessMemory[] = [];
let profile: (ProfileSummary & { path: string }) | undefined;
try {
  for (let rep = 1; rep <= options.reps; rep += 1) {
    console.log(`\nrepetition ${rep} of ${options.reps}`);
    if (wanted('ceiling')) await withServer('ceiling', rep, [0], ['ceiling']);
    if (wanted('direct')) for (const latencyMs of options.latencies) await measure(rep, 'direct', latencyMs, undefined);
    if (wanted('passthrough')) await withServer('passthrough', rep, options.latencies, ['passthrough']);
    if (wanted('floor')) await withServer('floor', rep, options.latencies, ['floor']);
    const shapes = (['flat', 'base-model', 'linked'] as const).filter(wanted);
    if (shapes.length) await withServer('gateway', rep, options.latencies, shapes);
  }
  // The tables are written before profiling, so that a failed profile loses no measurement.
  await report();
  if (options.cpuProf) {
    profile = await profileGateway();
    await report();
  }
} finally {
  for (const server of servers) await server.stop();
  await upstream.close({ type: 'close' });
  clearTimeout(watchdog);
}

process.exit(measurements.some((m) => m.failures > 0) ? 1 : 0);

// ---------------------------------------------------------------------------------------------

async function report(): Promise<void> {
  const settings = {
    ...options,
    ...(options.profileDir === undefined ? {} : { profileDir: portablePath(options.profileDir) }),
    ...(options.out === undefined ? {} : { out: portablePath(options.out) }),
    gatewayCommand: portableCommand(gatewayCommand),
    gatewayEnv: Object.entries(gatewayEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    pinning,
    seconds: Math.round((performance.now() - startedAt) / 1000),
  };
  const finished = {
    ...machine,
    uptimeAtEnd: uptime(),
    loadAtEnd: loadNow(),
    busyAtEnd: describeBusy(await busyProcesses()),
  };
  const markdown = renderHttpReport(measurements, memories, profile);
  console.log(
    `\n${markdown}\n\nload at end: ${finished.uptimeAtEnd}; busy: ${finished.busyAtEnd}; run took ${settings.seconds} s`,
  );
  if (options.out) {
    await writeFile(`${options.out}.md`, `${JSON.stringify(finished)}\n\n${pinning}\n\n${markdown}\n`);
    await writeFile(
      `${options.out}.json`,
      JSON.stringify(
        {
          machine: finished,
          settings,
          measurements,
          memories,
          profile: profile && { ...profile, path: portablePath(profile.path) },
        },
        null,
        2,
      ),
    );
  }
}

function wanted(target: TargetName): boolean {
  return options.targets.includes(target);
}

async function setLatency(ms: number): Promise<void> {
  await upstream.ask({ type: 'latency', ms }, 'latency-set');
}

type Kind = 'ceiling' | 'passthrough' | 'floor' | 'gateway';

async function withServer(
  kind: Kind,
  rep: number,
  latencies: readonly number[],
  targets: readonly TargetName[],
): Promise<void> {
  const server = await start(kind);
  try {
    await sleep(options.idleWait * 1000);
    const idle = server.memory();
    for (const latencyMs of latencies) for (const target of targets) await measure(rep, target, latencyMs, server);
    memories.push({ rep, process: kind, idleRss: idle.rss, peakRss: server.memory().peak });
  } finally {
    await server.stop();
    servers.delete(server);
  }
}

async function start(
  kind: Kind,
  extraEnv: Record<string, string> = {},
  command = gatewayCommand,
): Promise<ServerProcess> {
  const port = await freePort();
  const base = {
    PATH: `${join(root, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}`,
    HOME: process.env['HOME'] ?? root,
    PORT: String(port),
    NSCALE_API_URL: apiBaseUrl,
    // Every request here is the same query of one caller: measured is the path that runs it, not the
    // response cache's answer (the fleet benchmark measures that). `--gateway-env RESPONSE_CACHE_ENABLED=true` turns it on.
    RESPONSE_CACHE_ENABLED: 'false',
  };
  const common = { cwd: root, cpus: serverCpus, port };
  let server: ServerProcess;
  if (kind === 'gateway')
    server = await startServer({
      ...common,
      command,
      env: { ...base, ...gatewayEnv, ...extraEnv },
      readyTimeoutMs: 60_000,
    });
  else if (kind === 'floor')
    // The gateway's production settings: graphql-js without its development checks, the same heap flags.
    server = await startServer({
      ...common,
      command: `node ${options.floorNodeFlags} ${JSON.stringify(join(referenceDir, 'floor-server.js'))}`,
      env: { ...base, NODE_ENV: 'production' },
      readyTimeoutMs: 30_000,
    });
  else
    server = await startServer({
      ...common,
      command: `node ${JSON.stringify(join(referenceDir, 'reference-server.js'))}`,
      env: { ...base, BENCH_MODE: kind, BENCH_BODY: flatBody },
      readyTimeoutMs: 30_000,
    });
  servers.add(server);
  return server;
}

function loadTarget(target: TargetName): LoadTarget {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: `Bearer ${token}`,
    'x-organization-id': organizationId,
  };
  if (target === 'direct') {
    return {
      method: 'GET',
      path: new URL(pageUrl).pathname + new URL(pageUrl).search,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      validate: (body) =>
        flatPageBody(body) === flatBody ? undefined : `the upstream page changed: ${body.slice(0, 200)}`,
    };
  }
  const query = target === 'ceiling' || target === 'passthrough' || target === 'floor' ? FLAT_QUERY : QUERIES[target];
  return {
    method: 'POST',
    path: '/graphql',
    headers,
    body: JSON.stringify({ query }),
    validate: (body) => validateAnswer(target, body),
  };
}

/** A problem with a GraphQL answer of `target`, or undefined. The flat answer must be the pass-through's bytes. */
function validateAnswer(target: TargetName, body: string): string | undefined {
  if (target === 'ceiling' || target === 'passthrough' || target === 'floor' || target === 'flat') {
    return body === flatBody ? undefined : `not the expected page: ${body.slice(0, 300)}`;
  }
  let parsed: {
    data?: { jobs?: { totalCount?: number; edges?: Array<{ node?: Record<string, unknown> }> } };
    errors?: unknown;
  };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return `not JSON: ${body.slice(0, 300)}`;
  }
  if (parsed.errors) return `errors: ${JSON.stringify(parsed.errors).slice(0, 300)}`;
  const edges = parsed.data?.jobs?.edges;
  if (parsed.data?.jobs?.totalCount !== options.jobs || edges?.length !== 20)
    return `not a page of 20 of ${options.jobs} jobs: ${body.slice(0, 300)}`;
  for (const { node } of edges) {
    const n = node as {
      id?: unknown;
      name?: unknown;
      status?: unknown;
      createdAt?: unknown;
      baseModel?: { name?: unknown };
      dataset?: { name?: unknown };
      metrics?: { latest?: { step?: unknown; trainingLoss?: unknown } };
    };
    if (
      typeof n.id !== 'string' ||
      typeof n.name !== 'string' ||
      n.status !== 'RUNNING' ||
      typeof n.createdAt !== 'string'
    )
      return `a job lacks its fields: ${JSON.stringify(n).slice(0, 300)}`;
    if (typeof n.baseModel?.name !== 'string' || n.baseModel.name === '')
      return `a job lacks baseModel.name: ${JSON.stringify(n).slice(0, 300)}`;
    if (target === 'linked') {
      if (typeof n.dataset?.name !== 'string' || !n.dataset.name.startsWith('bench-dataset-'))
        return `a job lacks dataset.name: ${JSON.stringify(n).slice(0, 300)}`;
      if (typeof n.metrics?.latest?.step !== 'number' || typeof n.metrics.latest.trainingLoss !== 'number')
        return `a job lacks its latest metrics: ${JSON.stringify(n).slice(0, 300)}`;
    }
  }
  return undefined;
}

async function measure(
  rep: number,
  target: TargetName,
  latencyMs: number,
  server: ServerProcess | undefined,
): Promise<void> {
  await setLatency(latencyMs);
  const url = server?.url ?? new URL(apiBaseUrl).origin;
  const pool = createPool(url, options.connections);
  const spec = loadTarget(target);
  const checker = createChecker(spec);
  try {
    const warm = await closedLoop(pool, spec, checker, options.connections, options.warmup * 1000);
    await upstream.ask({ type: 'reset' }, 'reset-done');
    const cpuBefore = server?.cpuMs() ?? Number.NaN;
    const clientBefore = process.cpuUsage();
    const closed = await closedLoop(pool, spec, checker, options.connections, options.duration * 1000);
    const client = process.cpuUsage(clientBefore);
    const cpuAfter = server?.cpuMs() ?? Number.NaN;
    const { byRoute } = await upstream.ask({ type: 'calls' }, 'calls');
    const rssAfterLoad = server?.memory().rss ?? Number.NaN;
    const throughput = closed.requests / closed.seconds;
    const open =
      options.openDuration > 0
        ? await openLoop(pool, spec, checker, throughput * options.openFraction, options.openDuration * 1000)
        : undefined;
    const calls = Object.values(byRoute).reduce((a, b) => a + b, 0);
    const m: Measurement = {
      rep,
      target,
      latencyMs,
      requests: closed.requests,
      throughput,
      cpuMsPerRequest: (cpuAfter - cpuBefore) / closed.requests,
      clientCpuMsPerRequest: (client.user + client.system) / 1000 / closed.requests,
      closedLatencies: summarize(closed.latencies),
      openRate: open ? throughput * options.openFraction : Number.NaN,
      openLatencies: open ? summarize(open.latencies) : { p50: Number.NaN, p99: Number.NaN, max: Number.NaN },
      upstreamCallsPerRequest: target === 'ceiling' ? 0 : calls / closed.requests,
      upstreamCallsByRoute: Object.fromEntries(
        Object.entries(byRoute).map(([route, n]) => [route, n / closed.requests]),
      ),
      rssAfterLoad,
      checked: warm.checked + closed.checked + (open?.checked ?? 0),
      sent: warm.requests + closed.requests + (open?.requests ?? 0),
      failures: warm.failures + closed.failures + (open?.failures ?? 0),
      ...((warm.firstFailure ?? closed.firstFailure ?? open?.firstFailure)
        ? { firstFailure: warm.firstFailure ?? closed.firstFailure ?? open?.firstFailure }
        : {}),
    };
    measurements.push(m);
    console.log(
      `  ${target.padEnd(11)} @${String(latencyMs).padStart(3)} ms: ${fmt(m.throughput)} req/s, CPU ${fmt(m.cpuMsPerRequest, 3)} ms/req, ` +
        `p50/p99 ${fmt(m.closedLatencies.p50)}/${fmt(m.closedLatencies.p99)} ms; open ${fmt(m.openRate)} req/s p50/p99 ${fmt(m.openLatencies.p50)}/${fmt(m.openLatencies.p99)} ms; ` +
        `${fmt(m.upstreamCallsPerRequest, 2)} upstream calls/req; checked ${m.checked}/${m.sent}${m.failures ? `, ${m.failures} FAILED: ${m.firstFailure}` : ''}`,
    );
  } finally {
    await pool.close();
  }
}

function summarize(latencies: Float64Array): { p50: number; p99: number; max: number } {
  const sorted = Float64Array.from(latencies).sort();
  const at = (p: number) =>
    sorted.length
      ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
      : Number.NaN;
  return { p50: at(50), p99: at(99), max: at(100) };
}

async function profileGateway(): Promise<ProfileSummary & { path: string }> {
  const dir = options.profileDir ?? (await mkdtemp(join(tmpdir(), 'bench-http-prof-')));
  console.log(`\nprofiling the gateway under the flat query at 0 ms (${options.profileSeconds} s); profiles in ${dir}`);
  // Node 20 refuses --cpu-prof in NODE_OPTIONS: the flag goes on the node that serves, which for
  // `tsx file` is `node --import tsx file` (what tsx runs), and for `node …` is that node.
  const flags = `--cpu-prof --cpu-prof-dir=${JSON.stringify(dir)}`;
  // `exec node …` (the start script) is `node …` for this purpose.
  const served = gatewayCommand.replace(/^exec\s+/, '');
  const command = /^tsx\s/.test(served)
    ? served.replace(/^tsx\s/, `node ${flags} --import tsx `)
    : /^node\s/.test(served)
      ? served.replace(/^node\s/, `node ${flags} `)
      : undefined;
  if (!command)
    throw new Error(
      `--cpu-prof needs a gateway command that starts with tsx, node or exec node, not \`${gatewayCommand}\``,
    );
  const server = await start('gateway', {}, command);
  let from: number;
  let to: number;
  try {
    await setLatency(0);
    const pool = createPool(server.url, options.connections);
    const spec = loadTarget('flat');
    const checker = createChecker(spec);
    await closedLoop(pool, spec, checker, options.connections, options.warmup * 1000);
    from = Number(process.hrtime.bigint() / 1000n);
    const run = await closedLoop(pool, spec, checker, options.connections, options.profileSeconds * 1000);
    to = Number(process.hrtime.bigint() / 1000n);
    await pool.close();
    if (run.failures) throw new Error(`profiled run: ${run.failures} answers failed their check: ${run.firstFailure}`);
  } finally {
    await server.stop();
    servers.delete(server);
  }
  const file = (await readdir(dir)).find((f) => f.includes(`.${server.pid}.`) && f.endsWith('.cpuprofile'));
  if (!file)
    throw new Error(`no .cpuprofile of process ${server.pid} in ${dir} (did the gateway exit cleanly on SIGTERM?)`);
  const path = join(dir, file);
  return {
    ...summarizeProfile(JSON.parse(await readFile(path, 'utf8')) as Parameters<typeof summarizeProfile>[0], from, to),
    path,
  };
}
