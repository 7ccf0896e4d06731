/**
 * The tables of the fleet benchmark: per scenario, what the fleet cost (upstream calls, server CPU
 * per client request, latency) and what it saw (how long after each change each client first read
 * it, reads older than the limit), what the answers said about caching, and issue 22's goals.
 */
import type { ScenarioName } from './fleet-options.js';
import { fmt, percentile, table } from './report.js';

export interface ScenarioResult {
  scenario: ScenarioName;
  /** `pass-through`, or `gateway` with the cache variable's value. */
  server: string;
  windowSeconds: number;
  /** Requests answered inside the window. */
  requests: number;
  upstreamCalls: number;
  upstreamByRoute: Record<string, number>;
  cpuMs: number;
  latency: { p50: number; p99: number; max: number };
  staleness: {
    changes: number;
    pairs: number;
    delays: { p50: number; p99: number; max: number };
    neverRead: number;
    reads: number;
    staleReads: number;
    oldestReadMs: number;
    futureReads: number;
  };
  sent: number;
  checked: number;
  failures: number;
  firstFailure?: string;
  withAge: number;
  cacheControl: Record<string, number>;
  /** The answers of every token at tick 0 against the pass-through's. */
  probe: string;
  rssAfterMiB: number;
  loadAtStart: number[];
  /** The processes that used CPU in the 2 s before the scenario's server started (machine.ts). */
  busyAtStart: string;
}

export interface FleetReportContext {
  limitMs: number;
  pollMs: number;
  ttlMs: number;
  /** One sentence: whether the gateway knows the cache variable, and what that made of cache-off and cache-on. */
  cacheSetting: string;
}

const perSecond = (n: number, r: ScenarioResult) => n / r.windowSeconds;
const cpuPerRequest = (r: ScenarioResult) => r.cpuMs / r.requests;

export function summarizeDelays(delays: readonly number[]): { p50: number; p99: number; max: number } {
  return { p50: percentile(delays, 50), p99: percentile(delays, 99), max: percentile(delays, 100) };
}

function costTable(results: readonly ScenarioResult[]): string {
  const base = results.find((r) => r.scenario === 'passthrough');
  const vs = (a: number, b: number | undefined) => (b === undefined || b === 0 ? '–' : `${fmt(a / b, 2)}×`);
  return table(
    [
      'scenario',
      'server',
      'client requests/s',
      'upstream calls/s',
      '÷ pass-through',
      'server CPU ms per client request',
      '÷ pass-through',
      'server core busy %',
      'latency p50 ms',
      'p99 ms',
      'max ms',
      'RSS after MiB',
      'checked / sent (failed)',
    ],
    results.map((r) => [
      r.scenario,
      r.server,
      fmt(perSecond(r.requests, r)),
      fmt(perSecond(r.upstreamCalls, r)),
      vs(perSecond(r.upstreamCalls, r), base && perSecond(base.upstreamCalls, base)),
      fmt(cpuPerRequest(r), 3),
      vs(cpuPerRequest(r), base && cpuPerRequest(base)),
      fmt(r.cpuMs / r.windowSeconds / 10, 0),
      fmt(r.latency.p50),
      fmt(r.latency.p99),
      fmt(r.latency.max),
      fmt(r.rssAfterMiB, 0),
      `${r.checked} / ${r.sent} (${r.failures})`,
    ]),
  );
}

function stalenessTable(results: readonly ScenarioResult[], limitMs: number): string {
  return table(
    [
      'scenario',
      'status changes',
      '(change, client) pairs',
      'change → first read p50 ms',
      'p99 ms',
      'max ms',
      'never read',
      'status reads',
      `reads older than ${fmt(limitMs, 0)} ms after the change`,
      'oldest read ms',
      'read before the change (failures)',
    ],
    results.map(({ scenario, staleness: s }) => [
      scenario,
      String(s.changes),
      String(s.pairs),
      fmt(s.delays.p50, 0),
      fmt(s.delays.p99, 0),
      fmt(s.delays.max, 0),
      String(s.neverRead),
      String(s.reads),
      String(s.staleReads),
      fmt(s.oldestReadMs, 0),
      String(s.futureReads),
    ]),
  );
}

function routesTable(results: readonly ScenarioResult[]): string {
  const routes = [...new Set(results.flatMap((r) => Object.keys(r.upstreamByRoute)))].sort();
  return table(
    ['route', ...results.map((r) => `${r.scenario} calls/s`)],
    routes.map((route) => [route, ...results.map((r) => fmt(perSecond(r.upstreamByRoute[route] ?? 0, r), 2))]),
  );
}

function cacheTable(results: readonly ScenarioResult[]): string {
  return table(
    [
      'scenario',
      'answers with an Age header',
      'Cache-Control of the answers (count)',
      'answers at tick 0 against the pass-through',
    ],
    results.map((r) => [
      r.scenario,
      String(r.withAge),
      Object.entries(r.cacheControl)
        .map(([value, n]) => `${value} (${n})`)
        .join(', '),
      r.probe,
    ]),
  );
}

function goalsTable(results: readonly ScenarioResult[], limitMs: number): string {
  const pick = (name: ScenarioName) => results.find((r) => r.scenario === name);
  const [pass, on] = [pick('passthrough'), pick('cache-on')];
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || b === 0 ? '–' : fmt(a / b, 3);
  return table(
    ['goal (issue 22)', 'target', 'measured'],
    [
      [
        'cache-on upstream calls ÷ pass-through',
        '≤ 0.1',
        ratio(on && perSecond(on.upstreamCalls, on), pass && perSecond(pass.upstreamCalls, pass)),
      ],
      [
        'cache-on server CPU per client request ÷ pass-through',
        '≤ 1',
        ratio(on && cpuPerRequest(on), pass && cpuPerRequest(pass)),
      ],
      [
        `status reads older than poll + TTL (${fmt(limitMs, 0)} ms) after the change, cache-on`,
        '0',
        on ? String(on.staleness.staleReads) : '–',
      ],
      [
        "answers with another organization's or token's jobs, or otherwise wrong (every scenario)",
        '0',
        String(results.reduce((n, r) => n + r.failures, 0)),
      ],
    ],
  );
}

function machineTable(results: readonly ScenarioResult[]): string {
  return table(
    ['scenario', 'load average at its start (1, 5, 15 min)', 'processes busy in the 2 s before it'],
    results.map((r) => [r.scenario, r.loadAtStart.join(', '), r.busyAtStart]),
  );
}

export function renderFleetReport(results: readonly ScenarioResult[], c: FleetReportContext): string {
  const failures = results.filter((r) => r.firstFailure).map((r) => `- ${r.scenario}: ${r.firstFailure}`);
  return [
    '#### Cost: upstream calls, server CPU and latency per client request (measured window)',
    costTable(results),
    `#### Staleness: how long after each status change each client of the organization first read it (poll every ${fmt(c.pollMs, 0)} ms, TTL taken as ${fmt(c.ttlMs, 0)} ms)`,
    stalenessTable(results, c.limitMs),
    '#### Upstream calls by route',
    routesTable(results),
    '#### What the answers said about caching',
    c.cacheSetting,
    cacheTable(results),
    '#### Goals of issue 22',
    goalsTable(results, c.limitMs),
    '#### The machine before each scenario',
    machineTable(results),
    ...(failures.length ? ['#### First failure of each scenario', failures.join('\n')] : []),
  ].join('\n\n');
}
