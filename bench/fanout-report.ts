/**
 * What the fan-out benchmark (fanout.ts) prints and writes: a line per scenario as it finishes, and
 * markdown tables of all of them at the end.
 */
import { cpus, totalmem } from 'node:os';
import { LAYERS, type Layer } from './cpu-profile.js';
import type { LoadClient } from './load-client.js';
import type { Scenario } from './options.js';
import { fmt, ratio, table } from './report.js';

export interface Row {
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
  problems: ReturnType<LoadClient['problems']>;
  layers?: { busyMs: number; byLayer: Record<Layer, number> };
}

function label(s: Scenario): string {
  return `${s.subscribers} subs · ${s.jobs} jobs · ${s.sockets} sockets · ${s.tokens} tokens`;
}

export function summaryLine(r: Row): string {
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

/** Every scenario, one row each. */
function scenarioTable(all: readonly Row[]): string {
  return table(
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
}

/** Each scenario run with grouping off and on, side by side; empty when none was run both ways. */
function groupingTable(all: readonly Row[]): string {
  const pairs = new Map<string, { off?: Row; on?: Row }>();
  for (const r of all) {
    const key = label(r.scenario);
    pairs.set(key, { ...pairs.get(key), [r.scenario.grouping]: r });
  }
  const compared = [...pairs].filter(([, p]) => p.off && p.on);
  return compared.length
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
}

/** The gateway's busy time by layer in the profiled scenarios; empty when none was profiled. */
function profileTable(all: readonly Row[]): string {
  const profiled = all.filter((r) => r.layers);
  return profiled.length
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
}

export function renderTables(all: readonly Row[]): string {
  const main = scenarioTable(all);
  const grouping = groupingTable(all);
  const profile = profileTable(all);
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

export function machineLine(): string {
  return `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}
