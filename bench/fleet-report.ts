/**
 * The tables of the fleet benchmark: per scenario, what the fleet cost (upstream calls, server CPU
 * per client request, latency) and what it saw (how long after each change each client first read
 * it, reads older than the limit), what the answers said about caching, and issue 22's goals. With
 * --reps N > 1, one row per scenario and repetition, and the medians (fleet-report-medians.ts).
 */
import type { ScenarioName } from './fleet-options.js';
import { abRatio, callsPerSecond, cpuPerRequest, goalsTable, manyReps, mediansTable } from './fleet-report-medians.js';
import { fmt, percentile, table } from './report.js';

export interface ScenarioResult {
  scenario: ScenarioName;
  /** Which repetition of the run (--reps), from 1. */
  rep: number;
  /**
   * Its server's place among those run at once (--together): 1 was started, and is asked at each
   * tick, first. The places rotate from one repetition to the next. 1 when it ran alone.
   */
  place: number;
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
  /** How many cores the servers ran on (--server-cpus), or null when they were not pinned. */
  serverCores: number | null;
}

const perSecond = (n: number, r: ScenarioResult) => n / r.windowSeconds;
/** How busy the server kept one core over the window, in %. */
const coreBusy = (r: ScenarioResult) => r.cpuMs / r.windowSeconds / 10;

/** The first columns of a row: the scenario, and its repetition when the run has several. */
const named = (results: readonly ScenarioResult[]) => {
  const many = manyReps(results);
  return {
    header: (...rest: string[]) => (many ? ['scenario', 'rep', ...rest] : ['scenario', ...rest]),
    cells: (r: ScenarioResult, ...rest: string[]) =>
      many ? [r.scenario, String(r.rep), ...rest] : [r.scenario, ...rest],
    label: (r: ScenarioResult) => (many ? `${r.scenario} rep ${r.rep}` : r.scenario),
  };
};

export function summarizeDelays(delays: readonly number[]): { p50: number; p99: number; max: number } {
  return { p50: percentile(delays, 50), p99: percentile(delays, 99), max: percentile(delays, 100) };
}

function costTable(results: readonly ScenarioResult[]): string {
  // Against the pass-through of the same repetition.
  const baseOf = (r: ScenarioResult) => results.find((b) => b.scenario === 'passthrough' && b.rep === r.rep);
  const vs = (a: number, b: number | undefined) => (b === undefined || b === 0 ? '–' : `${fmt(a / b, 2)}×`);
  const { header, cells } = named(results);
  // Where servers ran at once, the place each had (asked first, second, …), which rotates per repetition.
  const placed = results.some((r) => r.place > 1);
  const place = (r: ScenarioResult) => (placed ? [String(r.place)] : []);
  return table(
    header(
      ...(placed ? ['place'] : []),
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
    ),
    results.map((r) => {
      const base = baseOf(r);
      return cells(
        r,
        ...place(r),
        r.server,
        fmt(perSecond(r.requests, r)),
        fmt(callsPerSecond(r)),
        vs(callsPerSecond(r), base && callsPerSecond(base)),
        fmt(cpuPerRequest(r), 3),
        vs(cpuPerRequest(r), base && cpuPerRequest(base)),
        fmt(coreBusy(r), 0),
        fmt(r.latency.p50),
        fmt(r.latency.p99),
        fmt(r.latency.max),
        fmt(r.rssAfterMiB, 0),
        `${r.checked} / ${r.sent} (${r.failures})`,
      );
    }),
  );
}

function stalenessTable(results: readonly ScenarioResult[], limitMs: number): string {
  const { header, cells } = named(results);
  return table(
    header(
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
    ),
    results.map((r) => {
      const s = r.staleness;
      return cells(
        r,
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
      );
    }),
  );
}

function routesTable(results: readonly ScenarioResult[]): string {
  const routes = [...new Set(results.flatMap((r) => Object.keys(r.upstreamByRoute)))].sort();
  const { label } = named(results);
  return table(
    ['route', ...results.map((r) => `${label(r)} calls/s`)],
    routes.map((route) => [route, ...results.map((r) => fmt(perSecond(r.upstreamByRoute[route] ?? 0, r), 2))]),
  );
}

function cacheTable(results: readonly ScenarioResult[]): string {
  const { header, cells } = named(results);
  return table(
    header(
      'answers with an Age header',
      'Cache-Control of the answers (count)',
      'answers at tick 0 against the pass-through',
    ),
    results.map((r) =>
      cells(
        r,
        String(r.withAge),
        Object.entries(r.cacheControl)
          .map(([value, n]) => `${value} (${n})`)
          .join(', '),
        r.probe,
      ),
    ),
  );
}

function machineTable(results: readonly ScenarioResult[]): string {
  const { header, cells } = named(results);
  return table(
    header('load average at its start (1, 5, 15 min)', 'processes busy in the 2 s before it'),
    results.map((r) => cells(r, r.loadAtStart.join(', '), r.busyAtStart)),
  );
}

export function renderFleetReport(results: readonly ScenarioResult[], c: FleetReportContext): string {
  const { label } = named(results);
  const failures = results.filter((r) => r.firstFailure).map((r) => `- ${label(r)}: ${r.firstFailure}`);
  return [
    '#### Cost: upstream calls, server CPU and latency per client request (measured window)',
    costTable(results),
    ...(manyReps(results) ? ['#### Median over repetitions', mediansTable(results)] : []),
    ...(abRatio(results) ? [abRatio(results)!] : []),
    ...saturation(results, c.serverCores, c.pollMs),
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

/** A server's core kept this busy (% of the cores it ran on) is saturated: requests queue. */
const SATURATED_PERCENT = 85;

/**
 * The repetitions whose servers were saturated: they kept their cores SATURATED_PERCENT busy (the
 * servers run at once, --together, add up: they share --server-cpus), or their answers queued for
 * longer than a poll interval (p99), which also happens below that when something else takes the
 * core. A saturated server's CPU per request is not that of a server at the fleet's pace: such a
 * repetition says nothing of a lever.
 */
export function saturation(results: readonly ScenarioResult[], cores: number | null, pollMs: number): string[] {
  const together = results.some((r) => r.place > 1);
  const groups = together
    ? [...new Set(results.map((r) => r.rep))].map((rep) => results.filter((r) => r.rep === rep))
    : results.map((r) => [r]);
  const { label } = named(results);
  const lines = groups.flatMap((group) => {
    const busy = cores === null ? null : group.reduce((sum, r) => sum + coreBusy(r), 0) / cores;
    const p99 = Math.max(...group.map((r) => r.latency.p99));
    if ((busy === null || busy < SATURATED_PERCENT) && p99 <= pollMs) return [];
    const who = together ? `repetition ${group[0]!.rep} (its servers at once)` : label(group[0]!);
    const where = cores === 1 ? 'the core' : `the ${cores} cores`;
    return [`- ${who}: ${busy === null ? 'not pinned' : `${fmt(busy, 0)} % of ${where}`}, p99 up to ${fmt(p99)} ms`];
  });
  if (lines.length === 0) return [];
  return [
    '#### Saturated: not comparable',
    `In these the servers kept their cores ${SATURATED_PERCENT} % busy or more, or answered 1 % of ` +
      `requests later than a poll interval (${fmt(pollMs, 0)} ms): requests queued, and a saturated ` +
      "server's CPU per request is not that of one at the fleet's pace. Compare only the other " +
      'repetitions (run fewer --clients, or give each server a core of its own with --server-cpus).',
    lines.join('\n'),
  ];
}
