/**
 * One scenario of the fleet benchmark: its server started (pinned), the upstream back at tick 0,
 * every token's answers probed, then the fleet run while the upstream ticks: the warm-up, the
 * measured window (server CPU and upstream calls read at its edges), and a tail in which the clients
 * go on reading the last changes. Then the server is stopped and the figures made.
 *
 * With `--together`, the scenarios of a repetition run so at once: each server on the server cores
 * behind its own counting proxy, each with its own fleet of the same clients, one upstream clock, one
 * window. Whatever the machine does meanwhile (a neighbour, a slower minute) falls on all of them.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildChannel } from './child-channel.js';
import type { Expectation } from './fleet-check.js';
import { runFleet, type FleetClient, type FleetRecord } from './fleet-clients.js';
import type { FleetOptions, ScenarioName } from './fleet-options.js';
import { compareProbes, probe, type ProbeOutcome } from './fleet-probe.js';
import { summarizeDelays, type ScenarioResult } from './fleet-report.js';
import { measureStaleness } from './fleet-staleness.js';
import type { FleetUpstreamReply, FleetUpstreamRequest, Tenant } from './fleet-upstream.js';
import { busyProcesses, describeBusy, loadNow } from './machine.js';
import { portableCommand } from './portable-path.js';
import { percentile } from './report.js';
import { freePort, startServer, type ServerProcess } from './server-process.js';
import { wallNow } from './wall-clock.js';

export interface ScenarioSetup {
  options: FleetOptions;
  root: string;
  /** The upstream's counting proxies: one, or one per scenario run at once (`--together`). */
  apiBaseUrls: readonly string[];
  tenants: readonly Tenant[];
  expect: Expectation;
  clients: readonly FleetClient[];
  tailMs: number;
  serverCpus: string | undefined;
  servers: Set<ServerProcess>;
  upstream: ChildChannel<FleetUpstreamRequest, FleetUpstreamReply>;
  reference: { command: string };
  gateway: { command: string; env: Record<string, string> };
  /** The pass-through's answers at tick 0, once its scenario has run. */
  referenceProbe?: ProbeOutcome;
}

interface Window {
  from: number;
  to: number;
  cpuMs: number;
  calls: Record<string, number>;
  rss: number;
}

async function start(setup: ScenarioSetup, scenario: ScenarioName, apiBaseUrl: string): Promise<ServerProcess> {
  const { options, root } = setup;
  const port = await freePort();
  const base = {
    PATH: `${join(root, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}`,
    HOME: process.env['HOME'] ?? root,
    PORT: String(port),
    NSCALE_API_URL: apiBaseUrl,
  };
  const common = { cwd: root, cpus: setup.serverCpus, port };
  const server =
    scenario === 'passthrough'
      ? await startServer({
          ...common,
          command: setup.reference.command,
          env: { ...base, BENCH_MODE: 'fleet' },
          readyTimeoutMs: 30_000,
        })
      : await startServer({
          ...common,
          command: setup.gateway.command,
          env: {
            ...base,
            [options.cacheVariable]: scenario === 'cache-on' ? options.cacheOn : options.cacheOff,
            ...setup.gateway.env,
          },
          readyTimeoutMs: 60_000,
        });
  setup.servers.add(server);
  return server;
}

/** Each server's CPU and its proxy's upstream calls over [from, to], read at those wall times. */
async function measureWindow(
  setup: ScenarioSetup,
  servers: readonly ServerProcess[],
  from: number,
  to: number,
): Promise<Window[]> {
  await sleep(Math.max(0, from - wallNow()));
  const [openedAt, cpu0] = [wallNow(), servers.map((server) => server.cpuMs())];
  const { byRoute: calls0 } = await setup.upstream.ask({ type: 'calls' }, 'calls');
  await sleep(Math.max(0, to - wallNow()));
  const [closedAt, cpu1] = [wallNow(), servers.map((server) => server.cpuMs())];
  const { byRoute: calls1 } = await setup.upstream.ask({ type: 'calls' }, 'calls');
  return servers.map((server, i) => ({
    from: openedAt,
    to: closedAt,
    cpuMs: cpu1[i]! - cpu0[i]!,
    calls: Object.fromEntries(Object.entries(calls1[i]!).map(([route, n]) => [route, n - (calls0[i]![route] ?? 0)])),
    rss: server.memory().rss,
  }));
}

/** A seeded generator (mulberry32): every scenario's clients poll at the same phases. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Runs `scenarios` once, at once (`--together`; one scenario otherwise): `rep` (1-based) is which
 * repetition of the run this is (--reps). Each server gets the proxy of its place in `scenarios`.
 */
export async function runScenarios(
  setup: ScenarioSetup,
  scenarios: readonly ScenarioName[],
  rep: number,
): Promise<ScenarioResult[]> {
  const { options } = setup;
  if (scenarios.length > setup.apiBaseUrls.length)
    throw new Error(
      `${scenarios.length} scenarios at once need as many upstream proxies, not ${setup.apiBaseUrls.length}`,
    );
  const busyAtStart = describeBusy(await busyProcesses());
  const loadAtStart = loadNow();
  // The servers in the order they are started, behind the proxies in that order, and their fleets
  // made, so that each tick asks them in that order. Run at once, the server asked first is
  // measured some 2 % cheaper than the same server asked later (two builds swapped, bench/RESULTS.md):
  // repetition r starts with the r-th scenario, so that over as many repetitions as scenarios each
  // is in every place once.
  const order = scenarios.map((_, i) => (i + rep - 1) % scenarios.length);
  const servers: ServerProcess[] = [];
  let fleets: FleetRecord[];
  let windows: Window[];
  let appliedAt: number[];
  const probes: ProbeOutcome[] = [];
  try {
    for (const [slot, i] of order.entries()) servers.push(await start(setup, scenarios[i]!, setup.apiBaseUrls[slot]!));
    await setup.upstream.ask({ type: 'prepare' }, 'prepared');
    for (const server of servers) probes.push(await probe(server.url, setup.tenants, setup.expect));
    const { at } = await setup.upstream.ask({ type: 'start' }, 'started');
    const [from, to] = [at + options.warmup * 1000, at + (options.warmup + options.duration) * 1000];
    const plan = {
      clients: setup.clients,
      expect: setup.expect,
      pollMs: options.pollMs,
      startAt: at,
      endAt: to + setup.tailMs,
    };
    [fleets, windows] = await Promise.all([
      Promise.all(servers.map((server) => runFleet({ ...plan, url: server.url }, seeded(options.seed)))),
      measureWindow(setup, servers, from, to),
    ]);
    ({ appliedAt } = await setup.upstream.ask({ type: 'stop' }, 'stopped'));
  } finally {
    for (const server of servers) {
      await server.stop();
      setup.servers.delete(server);
    }
  }
  // Measured by place; reported by scenario.
  const slotOf = (i: number) => order.indexOf(i);
  // The pass-through's answers at tick 0 are the reference of the others' (of this repetition, or later ones).
  const reference = scenarios.indexOf('passthrough');
  if (reference >= 0) setup.referenceProbe = probes[slotOf(reference)]!;
  return scenarios.map((scenario, i) => {
    const slot = slotOf(i);
    const measured = {
      fleet: fleets[slot]!,
      window: windows[slot]!,
      appliedAt,
      probed: probes[slot]!,
      loadAtStart,
      busyAtStart,
      place: slot + 1,
    };
    const result = resultOf(setup, scenario, rep, measured);
    console.log(
      `  ${scenario.padEnd(11)}${setup.options.reps > 1 ? ` rep ${rep}` : ''}${scenarios.length > 1 ? ` (place ${result.place})` : ''}: ${(result.requests / result.windowSeconds).toFixed(1)} req/s, CPU ${(result.cpuMs / result.requests).toFixed(3)} ms/req, ` +
        `${(result.upstreamCalls / result.windowSeconds).toFixed(1)} upstream calls/s, p50/p99 ${result.latency.p50.toFixed(1)}/${result.latency.p99.toFixed(1)} ms; ` +
        `staleness p50/p99/max ${result.staleness.delays.p50.toFixed(0)}/${result.staleness.delays.p99.toFixed(0)}/${result.staleness.delays.max.toFixed(0)} ms; ` +
        `checked ${result.checked}/${result.sent}${result.failures ? `, ${result.failures} FAILED: ${result.firstFailure}` : ''}`,
    );
    return result;
  });
}

function resultOf(
  setup: ScenarioSetup,
  scenario: ScenarioName,
  rep: number,
  m: {
    fleet: FleetRecord;
    window: Window;
    appliedAt: number[];
    probed: ProbeOutcome;
    loadAtStart: number[];
    busyAtStart: string;
    place: number;
  },
): ScenarioResult {
  const { options } = setup;
  const { fleet, window } = m;
  const latencies: number[] = [];
  fleet.requests.receivedAt.forEach((receivedAt, i) => {
    if (receivedAt >= window.from && receivedAt < window.to) latencies.push(receivedAt - fleet.requests.sentAt[i]!);
  });
  const staleness = measureStaleness({
    jobs: setup.expect.jobs,
    appliedAt: m.appliedAt,
    reads: fleet.reads,
    clients: setup.clients,
    windowFrom: window.from,
    windowTo: window.to,
    limitMs: options.pollMs + options.ttlMs,
  });
  const probeVerdict = compareProbes(scenario === 'passthrough' ? undefined : setup.referenceProbe, m.probed);
  const failures = fleet.failures + staleness.futureReads + m.probed.problems.length;
  const firstFailure = fleet.firstFailure ?? staleness.firstFuture ?? m.probed.problems[0];
  return {
    scenario,
    rep,
    place: m.place,
    server:
      scenario === 'passthrough'
        ? 'pass-through'
        : `gateway, ${options.cacheVariable}=${portableCommand(scenario === 'cache-on' ? options.cacheOn : options.cacheOff)}`,
    windowSeconds: (window.to - window.from) / 1000,
    requests: latencies.length,
    upstreamCalls: Object.values(window.calls).reduce((a, b) => a + b, 0),
    upstreamByRoute: window.calls,
    cpuMs: window.cpuMs,
    latency: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
    staleness: { ...staleness, delays: summarizeDelays(staleness.delays) },
    sent: fleet.sent + m.probed.answers.size,
    checked: fleet.checked + m.probed.answers.size,
    failures,
    ...(firstFailure ? { firstFailure } : {}),
    withAge: fleet.withAge,
    cacheControl: fleet.cacheControl,
    probe: probeVerdict,
    rssAfterMiB: window.rss / 2 ** 20,
    loadAtStart: m.loadAtStart,
    busyAtStart: m.busyAtStart,
  };
}
