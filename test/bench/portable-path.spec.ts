import { describe, expect, it } from 'vitest';
import { portableCommand, portablePath } from '../../bench/portable-path.js';

const root = '/home/someone/gateway';

describe('paths written into benchmark results', () => {
  it.each([
    ['/home/someone/gateway/bench/results/run-1', 'bench/results/run-1'],
    ['file:///home/someone/gateway/dist/upstream/call.js', 'dist/upstream/call.js'],
    ['/home/someone/gateway', '.'],
    ['/tmp/perf-jit/src/server/main.ts', 'src/server/main.ts'],
    ['/tmp/bench-prof', 'bench-prof'],
    ['/home/someone/gateway-copy/notes', 'notes'],
    ['bench/results/x', 'bench/results/x'],
  ])('%s → %s', (path, expected) => {
    expect(portablePath(path, root)).toBe(expected);
  });

  it('rewrites every absolute path of a command line and leaves the rest alone', () => {
    expect(
      portableCommand('node --cpu-prof-dir=/tmp/p --import tsx /home/someone/gateway/src/server/main.ts --x 1', root),
    ).toBe('node --cpu-prof-dir=p --import tsx src/server/main.ts --x 1');
    expect(portableCommand('exec node --max-semi-space-size=64 dist/server/main-production.js', root)).toBe(
      'exec node --max-semi-space-size=64 dist/server/main-production.js',
    );
  });
});
