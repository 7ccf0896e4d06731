/**
 * The throughput benchmark's harness, run for a few seconds: every target at both upstream
 * latencies is measured (the minimal yoga floor among them), every answer it sent was checked and
 * none failed, and the four server processes had their memory read. No timing is asserted (the machine may be loaded, single-core,
 * or without taskset: the harness degrades and says so).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Measurement, ProcessMemory } from '../../bench/http-report.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bench = (file: string, args: string[]) =>
  run(process.execPath, ['--import', 'tsx', join(root, 'bench', file), ...args], {
    cwd: root,
    timeout: 170_000,
    maxBuffer: 16 * 2 ** 20,
  });

describe('bench:http smoke run', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('measures every target at every latency and checks every answer', { timeout: 180_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-http-smoke-'));
    const out = join(dir, 'run');
    const { stdout } = await bench('http.ts', [
      '--reps',
      '1',
      '--warmup',
      '0.1',
      '--duration',
      '0.2',
      '--open-duration',
      '0.1',
      '--idle-wait',
      '0.1',
      '--connections',
      '4',
      '--latencies',
      '0,20',
      '--out',
      out,
    ]);
    const result = JSON.parse(await readFile(`${out}.json`, 'utf8')) as {
      measurements: Measurement[];
      memories: ProcessMemory[];
    };

    const ran = result.measurements.map((m) => `${m.target}@${m.latencyMs}`).sort();
    expect(ran).toEqual(
      [
        'ceiling@0',
        'direct@0',
        'direct@20',
        'passthrough@0',
        'passthrough@20',
        'floor@0',
        'floor@20',
        'flat@0',
        'flat@20',
        'base-model@0',
        'base-model@20',
        'linked@0',
        'linked@20',
      ].sort(),
    );
    for (const m of result.measurements) {
      expect({ scenario: `${m.target}@${m.latencyMs}`, failures: m.failures, firstFailure: m.firstFailure }).toEqual({
        scenario: `${m.target}@${m.latencyMs}`,
        failures: 0,
        firstFailure: undefined,
      });
      expect(m.sent).toBeGreaterThan(0);
      expect(m.checked).toBe(m.sent);
    }
    // The linked page asks for the latest metrics of each of its 20 jobs: at least 21 calls.
    expect(result.measurements.find((m) => m.target === 'linked')!.upstreamCallsPerRequest).toBeGreaterThanOrEqual(21);
    expect(result.measurements.find((m) => m.target === 'flat')!.upstreamCallsPerRequest).toBe(1);
    expect(result.measurements.find((m) => m.target === 'floor')!.upstreamCallsPerRequest).toBe(1);
    expect(result.memories.map((m) => m.process).sort()).toEqual(['ceiling', 'floor', 'gateway', 'passthrough']);
    expect(stdout).toContain('#### Goals of issue 10');
    expect(stdout).toContain("#### The floor: yoga's request layer");
  });

  it('prints the options of both benchmarks with --help', async () => {
    const http = await bench('http.ts', ['--help']);
    expect(http.stdout).toContain('--open-duration');
    expect(http.stdout).toContain('--gateway-command');
    const fanout = await bench('fanout.ts', ['--help']);
    expect(fanout.stdout).toContain('--subscribers');
  });
});
