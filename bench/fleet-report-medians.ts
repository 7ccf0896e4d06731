/**
 * The fleet benchmark over its repetitions (--reps): one window's CPU per request varies by about
 * ±15 % from run to run at a tenth of a core, so each scenario's figures are taken as the median of
 * its interleaved repetitions (with the min–max), issue 22's ratios from those medians, and the
 * cache-on ÷ pass-through ratio of each repetition alone, to show how far one run could be off.
 */
import type { ScenarioName } from './fleet-options.js';
import type { ScenarioResult } from './fleet-report.js';
import { fmt, table } from './report.js';

export const callsPerSecond = (r: ScenarioResult) => r.upstreamCalls / r.windowSeconds;
export const cpuPerRequest = (r: ScenarioResult) => r.cpuMs / r.requests;

/** Whether the results hold more than one repetition (the report then names each). */
export const manyReps = (results: readonly ScenarioResult[]) => results.some((r) => r.rep > 1);

/** The middle value; of an even count, the mean of the two middle ones. NaN for none. */
export function middle(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}

export interface ScenarioMedians {
  scenario: ScenarioName;
  reps: number;
  callsPerSecond: number;
  cpuPerRequest: { median: number; min: number; max: number };
  latencyP50: number;
  latencyP99: number;
}

/** Each scenario's medians over its repetitions, in the order the scenarios first ran. */
export function mediansOf(results: readonly ScenarioResult[]): ScenarioMedians[] {
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  return scenarios.map((scenario) => {
    const runs = results.filter((r) => r.scenario === scenario);
    const cpu = runs.map(cpuPerRequest);
    return {
      scenario,
      reps: runs.length,
      callsPerSecond: middle(runs.map(callsPerSecond)),
      cpuPerRequest: { median: middle(cpu), min: Math.min(...cpu), max: Math.max(...cpu) },
      latencyP50: middle(runs.map((r) => r.latency.p50)),
      latencyP99: middle(runs.map((r) => r.latency.p99)),
    };
  });
}

/**
 * `figure` of cache-on ÷ that of the pass-through (or of `base`) of the same repetition, for each
 * repetition with both.
 */
export function ratiosPerRep(
  results: readonly ScenarioResult[],
  figure: (r: ScenarioResult) => number,
  base: ScenarioName = 'passthrough',
): number[] {
  const reps = [...new Set(results.map((r) => r.rep))].sort((a, b) => a - b);
  return reps.flatMap((rep) => {
    const pick = (name: ScenarioName) => results.find((r) => r.scenario === name && r.rep === rep);
    const [under, on] = [pick(base), pick('cache-on')];
    return under && on ? [figure(on) / figure(under)] : [];
  });
}

/**
 * Two gateways run at once (--together), compared: cache-on's CPU per client request ÷ cache-off's, the
 * geometric mean of each repetition's ratio. Over a whole rotation of the places (as many repetitions
 * as scenarios) each was once in every place, and the place's own effect, a factor, cancels out of
 * the product (a median of the ratios would keep some of it). Null unless both ran at once, several
 * times.
 */
export function abRatio(results: readonly ScenarioResult[]): string | null {
  if (!results.some((r) => r.place > 1) || !manyReps(results)) return null;
  const ratios = ratiosPerRep(results, cpuPerRequest, 'cache-off').filter(Number.isFinite);
  if (ratios.length < 2) return null;
  const scenarios = new Set(results.map((r) => r.scenario)).size;
  const geometric = Math.exp(ratios.reduce((sum, x) => sum + Math.log(x), 0) / ratios.length);
  const whole =
    ratios.length % scenarios === 0
      ? ''
      : ` (not a whole rotation of the ${scenarios} places: the places do not cancel out)`;
  return (
    `cache-on ÷ cache-off, server CPU per client request, geometric mean of the repetitions' ratios: ` +
    `**${fmt(geometric, 3)}** (${ratios.map((x) => fmt(x, 3)).join(', ')})${whole}.`
  );
}

const times = (a: number, b: number | undefined) =>
  b === undefined || b === 0 || !Number.isFinite(a / b) ? '–' : `${fmt(a / b, 2)}×`;

export function mediansTable(results: readonly ScenarioResult[]): string {
  const medians = mediansOf(results);
  const base = medians.find((m) => m.scenario === 'passthrough');
  return table(
    [
      'scenario',
      'repetitions',
      'upstream calls/s',
      '÷ pass-through',
      'server CPU ms per client request [min–max]',
      '÷ pass-through',
      'latency p50 ms',
      'p99 ms',
    ],
    medians.map((m) => [
      m.scenario,
      String(m.reps),
      fmt(m.callsPerSecond),
      times(m.callsPerSecond, base?.callsPerSecond),
      `${fmt(m.cpuPerRequest.median, 3)} [${fmt(m.cpuPerRequest.min, 3)}–${fmt(m.cpuPerRequest.max, 3)}]`,
      times(m.cpuPerRequest.median, base?.cpuPerRequest.median),
      fmt(m.latencyP50),
      fmt(m.latencyP99),
    ]),
  );
}

/** cache-on ÷ pass-through of the medians; with several repetitions, each repetition's in brackets. */
function goalRatio(results: readonly ScenarioResult[], figure: (r: ScenarioResult) => number): string {
  const median = (name: ScenarioName) => middle(results.filter((r) => r.scenario === name).map(figure));
  const [pass, on] = [median('passthrough'), median('cache-on')];
  const overall = pass === 0 || !Number.isFinite(on / pass) ? '–' : fmt(on / pass, 3);
  if (!manyReps(results) || overall === '–') return overall;
  return `${overall} (${ratiosPerRep(results, figure)
    .map((x) => fmt(x, 3))
    .join(', ')})`;
}

/** Issue 22's goals: the ratios from the medians, stale reads and failures over every repetition. */
export function goalsTable(results: readonly ScenarioResult[], limitMs: number): string {
  const on = results.filter((r) => r.scenario === 'cache-on');
  const stale = on.map((r) => r.staleness.staleReads);
  const staleReads = on.length === 0 ? '–' : String(stale.reduce((a, b) => a + b, 0));
  const perRep = manyReps(results) && on.length > 0 ? ` (${stale.join(', ')})` : '';
  const median = manyReps(results) ? 'medians; each repetition in brackets' : '';
  return table(
    ['goal (issue 22)', 'target', 'measured'],
    [
      [
        `cache-on upstream calls ÷ pass-through${median && ` (${median})`}`,
        '≤ 0.1',
        goalRatio(results, callsPerSecond),
      ],
      [
        `cache-on server CPU per client request ÷ pass-through${median && ` (${median})`}`,
        '≤ 1',
        goalRatio(results, cpuPerRequest),
      ],
      [
        `status reads older than poll + TTL (${fmt(limitMs, 0)} ms) after the change, cache-on${perRep && ' (every repetition; each in brackets)'}`,
        '0',
        staleReads + perRep,
      ],
      [
        "answers with another organization's or token's jobs, or otherwise wrong (every scenario)",
        '0',
        String(results.reduce((n, r) => n + r.failures, 0)),
      ],
    ],
  );
}
