/**
 * The fleet benchmark's harness, run for about a second per scenario with a handful of clients:
 * every scenario ran, every answer it got was checked and none failed (the right organization's jobs,
 * labelled for the right token), each token's answers at tick 0 were the pass-through's bytes, and
 * the status changes of the window were each read by every client of their organization. No timing
 * is asserted (the machine may be loaded, single-core, or without taskset).
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
    timeout: 170_000,
    maxBuffer: 16 * 2 ** 20,
  });

describe('bench:fleet smoke run', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs every scenario, checks every answer and reads every change', { timeout: 180_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-fleet-smoke-'));
    const out = join(dir, 'run');
    const { stdout } = await fleet([
      ...['--clients', '8', '--tokens', '4', '--organizations', '2', '--jobs-per-organization', '3'],
      ...['--poll-ms', '200', '--warmup', '0.3', '--duration', '1', '--job-seconds', '1', '--tick-ms', '20'],
      ...['--out', out],
    ]);
    const { results } = JSON.parse(await readFile(`${out}.json`, 'utf8')) as { results: ScenarioResult[] };

    expect(results.map((r) => r.scenario)).toEqual(['passthrough', 'cache-off', 'cache-on']);
    for (const r of results) {
      expect({ scenario: r.scenario, failures: r.failures, firstFailure: r.firstFailure }).toEqual({
        scenario: r.scenario,
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
    // The cache answers some of the same polls without the upstream.
    const calls = (r: ScenarioResult) => Object.values(r.upstreamByRoute).reduce((sum, n) => sum + n, 0);
    const [, off, on] = results as [ScenarioResult, ScenarioResult, ScenarioResult];
    expect(calls(on)).toBeLessThan(calls(off));
    expect(stdout).toContain('#### Goals of issue 22');
  });

  it('prints its options with --help', async () => {
    const { stdout } = await fleet(['--help']);
    expect(stdout).toContain('--clients');
    expect(stdout).toContain('--cache-variable');
  });
});
