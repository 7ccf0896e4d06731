/**
 * The tables of the throughput benchmark: per target and upstream latency, the median over the
 * repetitions with the min–max spread; memory per process; the goals against the medians;
 * and, when profiled, where the gateway's CPU time went.
 */
import { portablePath } from './portable-path.js';
import type { ProfileSummary } from './profile-summary.js';
import { fmt, median, table } from './report.js';

export interface Measurement {
  rep: number;
  target: string;
  latencyMs: number;
  requests: number;
  throughput: number;
  cpuMsPerRequest: number;
  clientCpuMsPerRequest: number;
  closedLatencies: { p50: number; p99: number; max: number };
  openRate: number;
  openLatencies: { p50: number; p99: number; max: number };
  upstreamCallsPerRequest: number;
  upstreamCallsByRoute: Record<string, number>;
  rssAfterLoad: number;
  checked: number;
  sent: number;
  failures: number;
  firstFailure?: string;
}

export interface ProcessMemory {
  rep: number;
  process: string;
  idleRss: number;
  peakRss: number;
}

const MiB = 2 ** 20;

/** "median (min–max)" of the values, or the median alone when there is one value. */
function spread(values: readonly number[], digits = 1, scale = 1): string {
  const v = values.map((x) => x / scale).filter(Number.isFinite);
  if (v.length === 0) return '–';
  const m = fmt(median(v), digits);
  return v.length === 1 ? m : `${m} (${fmt(Math.min(...v), digits)}–${fmt(Math.max(...v), digits)})`;
}

function groups(ms: readonly Measurement[]): Array<{ target: string; latencyMs: number; reps: Measurement[] }> {
  const out = new Map<string, { target: string; latencyMs: number; reps: Measurement[] }>();
  for (const m of ms) {
    const key = `${m.latencyMs} ${m.target}`;
    const g = out.get(key) ?? { target: m.target, latencyMs: m.latencyMs, reps: [] };
    g.reps.push(m);
    out.set(key, g);
  }
  return [...out.values()].sort((a, b) => a.latencyMs - b.latencyMs);
}

function med(ms: readonly Measurement[], target: string, latencyMs: number, pick: (m: Measurement) => number): number {
  const v = ms.filter((m) => m.target === target && m.latencyMs === latencyMs).map(pick);
  return v.length ? median(v) : Number.NaN;
}

function routes(reps: readonly Measurement[]): string {
  const all = new Set(reps.flatMap((m) => Object.keys(m.upstreamCallsByRoute)));
  return [...all]
    .sort()
    .map((route) => `${fmt(median(reps.map((m) => m.upstreamCallsByRoute[route] ?? 0)), 2)} ${route}`)
    .join(', ');
}

/** Per target and upstream latency: throughput, CPU and latencies, median and spread over the repetitions. */
function mainTable(ms: readonly Measurement[]): string {
  const direct = (latencyMs: number, pick: (m: Measurement) => number) => med(ms, 'direct', latencyMs, pick);
  return table(
    [
      'target',
      'upstream ms',
      'req/s',
      'server CPU ms/req',
      'server core busy %',
      'closed p50 ms',
      'closed p99 ms',
      'open-loop req/s',
      'open p50 ms',
      'open p99 ms',
      'open p99 − direct',
      'upstream calls/req',
      'RSS after load MiB',
      'load-gen CPU ms/req',
      'checked / sent (failed)',
    ],
    groups(ms).map(({ target, latencyMs, reps }) => [
      target,
      String(latencyMs),
      spread(
        reps.map((m) => m.throughput),
        0,
      ),
      spread(
        reps.map((m) => m.cpuMsPerRequest),
        3,
      ),
      spread(
        reps.map((m) => (m.cpuMsPerRequest * m.throughput) / 10),
        0,
      ),
      spread(reps.map((m) => m.closedLatencies.p50)),
      spread(reps.map((m) => m.closedLatencies.p99)),
      spread(
        reps.map((m) => m.openRate),
        0,
      ),
      spread(reps.map((m) => m.openLatencies.p50)),
      spread(reps.map((m) => m.openLatencies.p99)),
      target === 'direct'
        ? ''
        : fmt(median(reps.map((m) => m.openLatencies.p99)) - direct(latencyMs, (m) => m.openLatencies.p99)),
      spread(
        reps.map((m) => m.upstreamCallsPerRequest),
        2,
      ),
      spread(
        reps.map((m) => m.rssAfterLoad),
        0,
        MiB,
      ),
      spread(
        reps.map((m) => m.clientCpuMsPerRequest),
        3,
      ),
      `${reps.reduce((a, m) => a + m.checked, 0)} / ${reps.reduce((a, m) => a + m.sent, 0)} (${reps.reduce((a, m) => a + m.failures, 0)})`,
    ]),
  );
}

function callsTable(ms: readonly Measurement[]): string {
  return table(
    ['target', 'upstream ms', 'upstream calls per request, by route (median)'],
    groups(ms)
      .filter((g) => g.target !== 'ceiling' && g.target !== 'direct')
      .map(({ target, latencyMs, reps }) => [target, String(latencyMs), routes(reps)]),
  );
}

function memoryTable(memories: readonly ProcessMemory[]): string {
  const processes = [...new Set(memories.map((m) => m.process))];
  return table(
    ['process', 'idle RSS MiB (read after --idle-wait)', 'peak RSS MiB (VmHWM, whole life)'],
    processes.map((p) => {
      const rows = memories.filter((m) => m.process === p);
      return [
        p,
        spread(
          rows.map((m) => m.idleRss),
          0,
          MiB,
        ),
        spread(
          rows.map((m) => m.peakRss),
          0,
          MiB,
        ),
      ];
    }),
  );
}

/** The goals of issue 10 against the medians. */
function goalsTable(ms: readonly Measurement[], memories: readonly ProcessMemory[]): string {
  const direct = (latencyMs: number, pick: (m: Measurement) => number) => med(ms, 'direct', latencyMs, pick);
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN);
  const flatThroughput = ratio(
    med(ms, 'flat', 0, (m) => m.throughput),
    med(ms, 'passthrough', 0, (m) => m.throughput),
  );
  const flatCpu = ratio(
    med(ms, 'flat', 0, (m) => m.cpuMsPerRequest),
    med(ms, 'passthrough', 0, (m) => m.cpuMsPerRequest),
  );
  const latencies = [...new Set(ms.map((m) => m.latencyMs))].filter((l) => l > 0);
  const gatewayIdle = memories.filter((m) => m.process === 'gateway').map((m) => m.idleRss);
  return table(
    ['goal', 'target', 'measured (medians)'],
    [
      ['gateway throughput ÷ pass-through, flat, 0 ms', '≥ 0.5', fmt(flatThroughput, 2)],
      ['gateway CPU per request ÷ pass-through, flat, 0 ms', '≤ 2', fmt(flatCpu, 2)],
      ...latencies.flatMap((l) =>
        (['flat', 'base-model', 'linked'] as const).map((t) => [
          `added open-loop p99 over direct, ${t}, ${l} ms`,
          '≤ 10 ms',
          fmt(med(ms, t, l, (m) => m.openLatencies.p99) - direct(l, (m) => m.openLatencies.p99)),
        ]),
      ),
      ...(['flat', 'base-model', 'linked'] as const).map((t) => [
        `upstream calls per request, ${t}, warm`,
        t === 'linked' ? '1 + 20 (metrics)' : '1',
        fmt(
          med(ms, t, 0, (m) => m.upstreamCallsPerRequest),
          2,
        ),
      ]),
      ['gateway idle RSS', '≤ 100 MiB', gatewayIdle.length ? `${fmt(median(gatewayIdle) / MiB, 0)} MiB` : '–'],
      [
        'uncached, gateway CPU per request ÷ the minimal yoga floor, flat, 0 ms (issue 22)',
        '≤ 1.20',
        fmt(
          ratio(
            med(ms, 'flat', 0, (m) => m.cpuMsPerRequest),
            med(ms, 'floor', 0, (m) => m.cpuMsPerRequest),
          ),
          2,
        ),
      ],
    ],
  );
}

/**
 * The flat query's CPU per request split in two: yoga's request layer (floor − pass-through) and what
 * the gateway adds on top of it (gateway − floor), per upstream latency; empty without floor figures.
 */
function floorTable(ms: readonly Measurement[]): string {
  const latencies = [...new Set(ms.filter((m) => m.target === 'floor').map((m) => m.latencyMs))].sort((a, b) => a - b);
  if (latencies.length === 0) return '';
  const cpu = (target: string, latencyMs: number) => med(ms, target, latencyMs, (m) => m.cpuMsPerRequest);
  return table(
    [
      'upstream ms',
      'pass-through ms/req',
      'floor ms/req',
      'gateway (flat) ms/req',
      "yoga's request layer (floor − pass-through) ms",
      'what the gateway adds (gateway − floor) ms',
      'gateway ÷ floor (goal ≤ 1.20)',
      'floor ÷ pass-through',
    ],
    latencies.map((l) => {
      const [pass, floor, flat] = [cpu('passthrough', l), cpu('floor', l), cpu('flat', l)];
      return [
        String(l),
        fmt(pass, 3),
        fmt(floor, 3),
        fmt(flat, 3),
        fmt(floor - pass, 3),
        fmt(flat - floor, 3),
        fmt(flat / floor, 2),
        fmt(floor / pass, 2),
      ];
    }),
  );
}

/** Where the gateway's CPU time went, by origin and by function. */
function profileParts(profile: ProfileSummary & { path: string }): string[] {
  return [
    `#### Where the gateway's CPU time went (flat query, 0 ms; ${fmt(profile.busyMs, 0)} ms busy${profile.windowed ? ' in the load window' : ', whole run'}; ${portablePath(profile.path)})`,
    table(
      ['origin (self time)', 'share'],
      profile.origins.slice(0, 15).map((o) => [o.origin, `${fmt(o.share * 100)} %`]),
    ),
    table(
      ['function (self time)', 'where', 'share'],
      profile.functions.slice(0, 20).map((f) => [f.name, f.where, `${fmt(f.share * 100)} %`]),
    ),
  ];
}

export function renderHttpReport(
  ms: readonly Measurement[],
  memories: readonly ProcessMemory[],
  profile?: ProfileSummary & { path: string },
): string {
  return [
    '#### Throughput, CPU and latency (median over repetitions, min–max in brackets)',
    mainTable(ms),
    '#### Upstream calls per request',
    callsTable(ms),
    '#### Memory of the server processes',
    memoryTable(memories),
    ...(ms.some((m) => m.target === 'floor')
      ? [
          "#### The floor: yoga's request layer, and what the gateway adds (flat query, server CPU per request, medians)",
          floorTable(ms),
        ]
      : []),
    '#### Goals of issue 10',
    goalsTable(ms, memories),
    ...(profile ? profileParts(profile) : []),
  ].join('\n\n');
}
