/**
 * The fleet benchmark's report over repetitions (--reps), on results made by hand: each scenario's
 * medians and min–max, issue 22's ratios from the medians with each repetition's own ratio, stale
 * reads and failures over every repetition, and a single repetition's report without any of it.
 */
import { describe, expect, it } from 'vitest';
import type { ScenarioName } from '../../bench/fleet-options.js';
import { abRatio, mediansOf, middle, ratiosPerRep, cpuPerRequest } from '../../bench/fleet-report-medians.js';
import { renderFleetReport, saturation, type ScenarioResult } from '../../bench/fleet-report.js';

/** A result of 10 s with `requests` answered, `cpuMs` of server CPU and `calls` upstream calls. */
function result(
  scenario: ScenarioName,
  rep: number,
  f: { requests: number; cpuMs: number; calls: number; p50?: number; staleReads?: number; failures?: number },
): ScenarioResult {
  return {
    scenario,
    rep,
    place: 1,
    server: scenario === 'passthrough' ? 'pass-through' : `gateway, X=${scenario === 'cache-on'}`,
    windowSeconds: 10,
    requests: f.requests,
    upstreamCalls: f.calls,
    upstreamByRoute: { 'GET /jobs': f.calls },
    cpuMs: f.cpuMs,
    latency: { p50: f.p50 ?? 5, p99: 50, max: 90 },
    staleness: {
      changes: 4,
      pairs: 16,
      delays: { p50: 100, p99: 300, max: 400 },
      neverRead: 0,
      reads: 80,
      staleReads: f.staleReads ?? 0,
      oldestReadMs: 900,
      futureReads: 0,
    },
    sent: f.requests,
    checked: f.requests,
    failures: f.failures ?? 0,
    ...(f.failures ? { firstFailure: `wrong answer in ${scenario} rep ${rep}` } : {}),
    withAge: 0,
    cacheControl: {},
    probe: 'identical (8 answers)',
    rssAfterMiB: 80,
    loadAtStart: [1, 1, 1],
    busyAtStart: 'nothing',
  };
}

// CPU per request: pass-through 0.5 then 0.6 (median 0.55), cache-on 0.55 then 0.54 (median 0.545);
// upstream calls/s: pass-through 200 twice, cache-on 10 then 14 (median 12).
const twoReps = [
  result('passthrough', 1, { requests: 1000, cpuMs: 500, calls: 2000, p50: 4 }),
  result('cache-off', 1, { requests: 1000, cpuMs: 2000, calls: 2000 }),
  result('cache-on', 1, { requests: 1000, cpuMs: 550, calls: 100, staleReads: 1 }),
  result('passthrough', 2, { requests: 1000, cpuMs: 600, calls: 2000, p50: 6 }),
  result('cache-off', 2, { requests: 1000, cpuMs: 1800, calls: 2000, failures: 2 }),
  result('cache-on', 2, { requests: 1000, cpuMs: 540, calls: 140, staleReads: 2 }),
];
const context = { limitMs: 400, pollMs: 200, ttlMs: 200, cacheSetting: 'X is a setting.', serverCores: 1 };
const rowOf = (markdown: string, start: string) => markdown.split('\n').find((line) => line.startsWith(start));

describe('fleet report over repetitions', () => {
  it('takes the middle value, the mean of the two middle ones for an even count', () => {
    expect(middle([3, 1, 2])).toBe(2);
    expect(middle([4, 1, 3, 2])).toBe(2.5);
    expect(middle([7])).toBe(7);
    expect(middle([])).toBeNaN();
  });

  it("gives each scenario's medians and min–max over its repetitions", () => {
    const three = [
      ...twoReps,
      result('passthrough', 3, { requests: 1000, cpuMs: 900, calls: 1000, p50: 20 }),
      result('cache-on', 3, { requests: 500, cpuMs: 300, calls: 60 }),
    ];
    const [pass, off, on] = mediansOf(three);
    expect(pass).toMatchObject({ scenario: 'passthrough', reps: 3, callsPerSecond: 200, latencyP50: 6 });
    expect(pass!.cpuPerRequest).toEqual({ median: 0.6, min: 0.5, max: 0.9 });
    expect(off).toMatchObject({ scenario: 'cache-off', reps: 2, callsPerSecond: 200 });
    expect(off!.cpuPerRequest.median).toBeCloseTo(1.9, 12);
    expect(on).toMatchObject({ scenario: 'cache-on', reps: 3, callsPerSecond: 10 }); // of 10, 14 and 6
    expect(on!.cpuPerRequest.median).toBeCloseTo(0.55, 12);
  });

  it('sets cache-on against the pass-through of the same repetition', () => {
    const ratios = ratiosPerRep(twoReps, cpuPerRequest);
    expect(ratios).toHaveLength(2);
    expect(ratios[0]).toBeCloseTo(1.1, 12);
    expect(ratios[1]).toBeCloseTo(0.9, 12);
    // A repetition without a pass-through has no ratio.
    expect(ratiosPerRep(twoReps.slice(2), cpuPerRequest)).toHaveLength(1);
  });

  it('reports each repetition, the medians, and the goals from the medians', () => {
    const markdown = renderFleetReport(twoReps, context);
    expect(markdown).toContain('#### Median over repetitions');
    expect(rowOf(markdown, '| scenario | rep | server |')).toBeDefined();
    expect(rowOf(markdown, '| scenario | rep | status changes |')).toBeDefined();
    // The cost row of cache-on rep 2 is set against rep 2's pass-through (0.54 ÷ 0.6).
    expect(rowOf(markdown, '| cache-on | 2 | gateway')).toContain('| 0.540 | 0.90× |');
    expect(rowOf(markdown, '| passthrough | 2 | 200 |')).toContain('| 0.550 [0.500–0.600] | 1.00× | 5.0 |');
    expect(rowOf(markdown, '| cache-on | 2 | 12.0 | 0.06× |')).toContain('| 0.545 [0.540–0.550] | 0.99× |');
    expect(rowOf(markdown, '| cache-on upstream calls')).toContain('| 0.060 (0.050, 0.070) |');
    expect(rowOf(markdown, '| cache-on server CPU')).toContain('| 0.991 (1.100, 0.900) |');
    expect(rowOf(markdown, '| status reads older than')).toContain('| 3 (1, 2) |');
    expect(rowOf(markdown, "| answers with another organization's")).toMatch(/\| 2 \|$/);
    expect(markdown).toContain('| route | passthrough rep 1 calls/s |');
    expect(markdown).toContain('- cache-off rep 2: wrong answer in cache-off rep 2');
  });

  it('compares two gateways run at once by the geometric mean of their ratios, each place once', () => {
    // Three places that cost 1, 1.02 and 1.05 times as much, the same build in both gateways: the places
    // rotate (rep r starts with the r-th scenario), and cancel out of the product.
    const cost = [1, 1.02, 1.05];
    const placed = (scenario: ScenarioName, rep: number, place: number) => ({
      ...result(scenario, rep, { requests: 1000, cpuMs: 800 * cost[place - 1]!, calls: 100 }),
      place,
    });
    const rotated = [1, 2, 3].flatMap((rep) =>
      (['passthrough', 'cache-off', 'cache-on'] as const).map((scenario, i) =>
        placed(scenario, rep, ((i - (rep - 1) + 3) % 3) + 1),
      ),
    );
    expect(rotated.map((r) => r.place)).toEqual([1, 2, 3, 3, 1, 2, 2, 3, 1]);
    expect(abRatio(rotated)).toContain('**1.000** (1.029, 1.020, 0.952)');
    const markdown = renderFleetReport(rotated, context);
    expect(markdown).toContain('cache-on ÷ cache-off, server CPU per client request');
    // The place of each result is in its row.
    expect(rowOf(markdown, '| cache-on | 3 | 1 | gateway')).toBeDefined();
    // Not a whole rotation: said so.
    expect(abRatio(rotated.filter((r) => r.rep < 3))).toContain('not a whole rotation');
    // Run one after the other (every place 1), or once: no such line.
    expect(abRatio(twoReps)).toBeNull();
    expect(abRatio(rotated.filter((r) => r.rep === 1))).toBeNull();
  });

  it("says which repetitions saturated the servers' cores, adding up the servers run at once", () => {
    // 10-s windows: 500 ms of CPU is 5 % of a core. Run at once on one core, rep 1 adds up to 90 %, rep 2 to 60 %.
    const placed = (scenario: ScenarioName, rep: number, place: number, cpuMs: number) => ({
      ...result(scenario, rep, { requests: 1000, cpuMs, calls: 100 }),
      place,
    });
    const together = [
      placed('cache-off', 1, 1, 4500),
      placed('cache-on', 1, 2, 4500),
      placed('cache-off', 2, 2, 3000),
      placed('cache-on', 2, 1, 3000),
    ];
    const markdown = renderFleetReport(together, context);
    expect(markdown).toContain('#### Saturated: not comparable');
    expect(markdown).toContain('- repetition 1 (its servers at once): 90 % of the core, p99 up to 50.0 ms');
    expect(markdown).not.toContain('- repetition 2');
    expect(saturation(together, 2, 200)).toEqual([]); // the same load on two cores: 45 %
    expect(saturation(together, null, 200)).toEqual([]); // not pinned: the CPU says nothing
    // One after the other, each server is judged alone.
    expect(saturation(twoReps, 1, 200)).toEqual([]);
    const alone = [result('cache-off', 1, { requests: 1000, cpuMs: 9000, calls: 100 })];
    expect(saturation(alone, 1, 200).at(-1)).toBe('- cache-off: 90 % of the core, p99 up to 50.0 ms');
    // Answers later than a poll interval: queued, whatever the servers' own CPU says (the p99 here is 50 ms).
    expect(saturation(together.slice(2), 1, 40).at(-1)).toBe(
      '- repetition 2 (its servers at once): 60 % of the core, p99 up to 50.0 ms',
    );
    expect(saturation(together.slice(2), null, 40).at(-1)).toBe(
      '- repetition 2 (its servers at once): not pinned, p99 up to 50.0 ms',
    );
  });

  it('reads as one run does with a single repetition: no rep column, no medians', () => {
    const markdown = renderFleetReport(
      twoReps.filter((r) => r.rep === 2).map((r) => ({ ...r, rep: 1 })),
      context,
    );
    expect(markdown).not.toContain('Median over repetitions');
    expect(markdown).not.toContain('| rep |');
    expect(rowOf(markdown, '| scenario | server |')).toBeDefined();
    expect(rowOf(markdown, '| cache-on | gateway')).toContain('| 0.540 | 0.90× |');
    expect(rowOf(markdown, '| cache-on server CPU per client request ÷ pass-through |')).toMatch(/\| 0\.900 \|$/);
    expect(rowOf(markdown, '| status reads older than')).toMatch(/\| 2 \|$/);
    expect(markdown).toContain('| route | passthrough calls/s |');
  });
});
