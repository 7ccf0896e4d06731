/**
 * The benchmarks' command line: a bad flag is one line naming it and exit code 2, not a stack trace;
 * a CPU list taskset would refuse (`0-1-2`, `3-1`) is refused before the run starts.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cpuList, readArgs, UsageError } from '../../bench/cli.js';

const root = new URL('../../', import.meta.url);

describe('the benchmarks command line', () => {
  const schema = z.object({ serverCpus: cpuList.default('0'), reps: z.coerce.number().int().min(1).default(3) });
  const read = (argv: string[]) => readArgs('bench:test', 'usage', argv, schema, new Set());

  it('reads CPU lists taskset takes, and refuses the others naming the flag', () => {
    for (const list of ['0', '0-1', '0,2-3', '1,3', '2-2']) expect(read(['--server-cpus', list]).serverCpus).toBe(list);
    for (const list of ['0-1-2', '3-1', '0,', ',1', '0--1', 'a', '']) {
      expect(() => read([`--server-cpus=${list}`]), list).toThrow(UsageError);
      expect(() => read([`--server-cpus=${list}`]), list).toThrow(/^bench:test: --server-cpus: /);
    }
    expect(() => read(['--reps', '0'])).toThrow(/^bench:test: --reps: /);
    expect(() => read(['--nope'])).toThrow(/^bench:test: unknown option --nope/);
  });

  it('a bad flag ends the benchmark with one line on stderr and exit code 2, before anything starts', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/fleet.ts', '--server-cpus', '3-1'], {
      cwd: root,
      timeout: 60_000,
    });
    const failure = (await run.then(
      () => null,
      (error: unknown) => error,
    )) as { code: number; stdout: string; stderr: string } | null;
    expect(failure?.code).toBe(2);
    expect(failure?.stderr.trim()).toMatch(
      /^bench:fleet: --server-cpus: each range of the CPU list goes from a lower core/,
    );
    expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
    expect(failure?.stdout).toBe('');
  }, 90_000);
});
