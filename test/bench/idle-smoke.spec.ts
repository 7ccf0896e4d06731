/**
 * The idle-memory benchmark's harness, run once in each mode with a short settle: the production build
 * starts on its embedded simulators and in front of two simulator processes, becomes ready, and its
 * memory is read from /proc. No figure is asserted beyond its consistency (the machine may be loaded).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('bench:idle smoke run', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads the resident memory of the production start in both modes', { timeout: 240_000 }, async () => {
    execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: root, stdio: 'pipe' });
    dir = await mkdtemp(join(tmpdir(), 'bench-idle-smoke-'));
    const out = join(dir, 'run');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', join(root, 'bench/idle.ts'), '--reps', '1', '--settle', '0.2', '--out', out],
      { cwd: root, timeout: 230_000 },
    );
    const result = JSON.parse(await readFile(`${out}.json`, 'utf8')) as {
      readings: Array<{
        mode: string;
        rss: number;
        peak: number;
        anon: number;
        file: number;
        readySeconds: number;
        node: string;
      }>;
    };

    expect(result.readings.map((r) => r.mode)).toEqual(['embedded', 'remote']);
    for (const r of result.readings) {
      expect(r.rss).toBeGreaterThan(20 * 2 ** 20);
      expect(r.peak).toBeGreaterThanOrEqual(r.rss);
      // VmRSS is the anonymous, file-backed and shared-memory pages together.
      expect(r.anon + r.file).toBeLessThanOrEqual(r.rss);
      expect(r.anon + r.file).toBeGreaterThan(r.rss * 0.9);
      expect(r.readySeconds).toBeGreaterThan(0);
      // The node the start command ran (the PATH's, here this one), read off the gateway's process.
      expect(r.node).toBe(process.version);
    }
    expect(stdout).toContain('| this | embedded |');
    expect(stdout).toContain('| this | remote |');
    expect(await readFile(`${out}.md`, 'utf8')).toContain('idle RSS MiB (VmRSS)');
  });
});
