/**
 * The fleet benchmark's harness, run for about a second per scenario with a handful of clients, in
 * two interleaved repetitions (--reps 2): every scenario ran in each, every answer it got was checked
 * and none failed (the right organization's jobs, labelled for the right token), each token's answers
 * at tick 0 were the pass-through's bytes, and the status changes of the window were each read by
 * every client of their organization; the report has the medians and each repetition's ratios. No
 * timing is asserted (the machine may be loaded, single-core, or without taskset).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../../bench/fleet-report.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fleet = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', join(root, 'bench', 'fleet.ts'), ...args], {
    cwd: root,
    timeout: 290_000,
    maxBuffer: 16 * 2 ** 20,
  });

describe('bench:fleet smoke run', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    'runs every scenario in each repetition, checks every answer and reads every change',
    { timeout: 300_000 },
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'bench-fleet-smoke-'));
      const out = join(dir, 'run');
      const { stdout } = await fleet([
        ...['--clients', '8', '--tokens', '4', '--organizations', '2', '--jobs-per-organization', '3'],
        ...['--poll-ms', '200', '--warmup', '0.3', '--duration', '1', '--job-seconds', '1', '--tick-ms', '20'],
        ...['--reps', '2', '--out', out],
      ]);
      const { results } = JSON.parse(await readFile(`${out}.json`, 'utf8')) as { results: ScenarioResult[] };

      // Interleaved: the three scenarios of repetition 1, then those of repetition 2.
      expect(results.map((r) => `${r.scenario} ${r.rep}`)).toEqual(
        [1, 2].flatMap((rep) => ['passthrough', 'cache-off', 'cache-on'].map((s) => `${s} ${rep}`)),
      );
      for (const r of results) {
        expect({ scenario: r.scenario, rep: r.rep, failures: r.failures, firstFailure: r.firstFailure }).toEqual({
          scenario: r.scenario,
          rep: r.rep,
          failures: 0,
          firstFailure: undefined,
        });
        expect(r.sent).toBeGreaterThan(0);
        expect(r.checked).toBe(r.sent);
        expect(r.requests).toBeGreaterThan(0);
        expect(r.probe).toMatch(
          r.scenario === 'passthrough' ? /^the reference \(8 answers\)$/ : /^identical \(8 answers\)$/,
        );
        // Each change of the window, for each of the 4 clients of its organization (2 per token).
        expect(r.staleness.changes).toBeGreaterThan(0);
        expect(r.staleness.pairs).toBe(r.staleness.changes * 4);
        expect(r.staleness.neverRead).toBe(0);
        expect(r.staleness.futureReads).toBe(0);
        // With the cache, a second of polls may all be answered from it (the list lives 5 s).
        if (r.scenario !== 'cache-on') expect(r.upstreamByRoute['GET /jobs']).toBeGreaterThan(0);
      }
      // The cache answers some of the same polls without the upstream, in each repetition.
      const calls = (r: ScenarioResult) => Object.values(r.upstreamByRoute).reduce((sum, n) => sum + n, 0);
      for (const rep of [1, 2]) {
        const [, off, on] = results.filter((r) => r.rep === rep) as [ScenarioResult, ScenarioResult, ScenarioResult];
        expect(calls(on)).toBeLessThan(calls(off));
      }
      expect(stdout).toContain('#### Goals of issue 22');
      expect(stdout).toContain('#### Median over repetitions');
      // Its row: 2 repetitions, upstream calls/s and ÷, then CPU per request with [min–max].
      for (const scenario of ['passthrough', 'cache-off', 'cache-on'])
        expect(stdout).toMatch(
          new RegExp(String.raw`\| ${scenario} \| 2 \| [\d.,]+ \| [^|]+ \| [\d.,]+ \[[\d.,]+–[\d.,]+\] \|`),
        );
      // Issue 22's ratios: the medians', then each repetition's in brackets.
      const ratio = String.raw`(?:[\d.,]+|–)`;
      expect(stdout).toMatch(
        new RegExp(String.raw`\| cache-on upstream calls ÷ pass-through .*\| ${ratio} \(${ratio}, ${ratio}\) \|`),
      );
      expect(stdout).toMatch(
        new RegExp(
          String.raw`\| cache-on server CPU per client request ÷ pass-through .*\| ${ratio} \(${ratio}, ${ratio}\) \|`,
        ),
      );
    },
  );

  it(
    'with --together runs the scenarios of a repetition at once, each counted apart, every answer checked, in places that rotate',
    { timeout: 300_000 },
    async () => {
      dir ??= await mkdtemp(join(tmpdir(), 'bench-fleet-smoke-'));
      const out = join(dir, 'together');
      const { stdout } = await fleet([
        ...['--clients', '8', '--tokens', '4', '--organizations', '2', '--jobs-per-organization', '3'],
        ...['--poll-ms', '200', '--warmup', '0.3', '--duration', '1', '--job-seconds', '1', '--tick-ms', '20'],
        ...['--scenarios', 'passthrough,cache-on', '--together', '--reps', '2', '--out', out],
      ]);
      const { results } = JSON.parse(await readFile(`${out}.json`, 'utf8')) as { results: ScenarioResult[] };
      // Reported by scenario; run in places that swap from one repetition to the next.
      expect(results.map((r) => `${r.scenario} ${r.rep} place ${r.place}`)).toEqual([
        'passthrough 1 place 1',
        'cache-on 1 place 2',
        'passthrough 2 place 2',
        'cache-on 2 place 1',
      ]);
      for (const r of results) {
        expect({ scenario: r.scenario, failures: r.failures, firstFailure: r.firstFailure }).toEqual({
          scenario: r.scenario,
          failures: 0,
          firstFailure: undefined,
        });
        expect(r.checked).toBe(r.sent);
        expect(r.requests).toBeGreaterThan(0);
        expect(r.staleness.neverRead).toBe(0);
        expect(r.staleness.futureReads).toBe(0);
      }
      const calls = (r: ScenarioResult) => Object.values(r.upstreamByRoute).reduce((sum, n) => sum + n, 0);
      for (const rep of [1, 2]) {
        const [passthrough, cached] = results.filter((r) => r.rep === rep) as [ScenarioResult, ScenarioResult];
        // Compared with the pass-through's answers wherever it ran.
        expect(cached.probe).toBe('identical (8 answers)');
        // One window for both, one upstream clock: the same changes, read by each fleet.
        expect(cached.windowSeconds).toBe(passthrough.windowSeconds);
        expect(cached.staleness.changes).toBe(passthrough.staleness.changes);
        // Each server's calls counted by its own proxy: the pass-through asks for every poll, the cache not.
        expect(calls(passthrough)).toBeGreaterThan(calls(cached));
        expect(passthrough.upstreamByRoute['GET /jobs/{id}/metrics']).toBeGreaterThan(0);
      }
      expect(stdout).toContain('at once (--together)');
      expect(stdout).toContain('cache-on    rep 2 (place 1)');
    },
  );

  it('prints its options with --help', async () => {
    const { stdout } = await fleet(['--help']);
    expect(stdout).toContain('--clients');
    expect(stdout).toContain('--cache-variable');
  });
});
