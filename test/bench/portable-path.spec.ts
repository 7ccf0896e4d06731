import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { portableCommand, portablePath } from '../../bench/portable-path.js';

// This checkout, wherever it is; and a sibling folder whose name starts like it.
const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const sibling = `${root}-copy`;

describe('paths written into benchmark results', () => {
  it.each([
    [join(root, 'bench/results/run-1'), 'bench/results/run-1'],
    [pathToFileURL(join(root, 'dist/upstream/call.js')).href, 'dist/upstream/call.js'],
    [root, '.'],
    ['/tmp/perf-jit/src/server/main.ts', 'src/server/main.ts'],
    ['/tmp/bench-prof', 'bench-prof'],
    [join(sibling, 'notes'), 'notes'],
    ['bench/results/x', 'bench/results/x'],
  ])('%s → %s', (path, expected) => {
    expect(portablePath(path, root)).toBe(expected);
  });

  it('rewrites every absolute path of a command line and leaves the rest alone', () => {
    expect(
      portableCommand(`node --cpu-prof-dir=/tmp/p --import tsx ${join(root, 'src/server/main.ts')} --x 1`, root),
    ).toBe('node --cpu-prof-dir=p --import tsx src/server/main.ts --x 1');
    expect(portableCommand('exec node --max-semi-space-size=64 dist/server/main-production.js', root)).toBe(
      'exec node --max-semi-space-size=64 dist/server/main-production.js',
    );
  });
});
