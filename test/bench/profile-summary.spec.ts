/**
 * bench:http's profile summary on the bundled production start: a frame in a chunk counts for the
 * module esbuild's marker line names (a package, or the folder of src/ tsc compiled it from), as it
 * would have unbundled; frames of other files keep their own URL.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeProfile } from '../../bench/profile-summary.js';

let dir: string;
let chunk: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'profile-summary-'));
  const file = join(dir, 'chunk-TEST.js');
  await writeFile(
    file,
    [
      "import { createRequire } from 'node:module';",
      '',
      '// node_modules/graphql/execution/execute.js',
      'function executeFields() {}',
      '',
      '// dist/server/http.js',
      'function handle() {}',
    ].join('\n'),
  );
  chunk = pathToFileURL(file).href;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const frame = (id: number, functionName: string, url: string, lineNumber?: number) => ({
  id,
  callFrame: { functionName, url, ...(lineNumber === undefined ? {} : { lineNumber }) },
});

describe('summarizeProfile', () => {
  it('counts a frame of a bundle chunk for the module it came from', () => {
    const summary = summarizeProfile({
      startTime: 0,
      nodes: [
        frame(1, '(root)', ''),
        frame(2, 'executeFields', chunk, 3),
        frame(3, 'handle', chunk, 6),
        frame(4, 'request', 'file:///app/node_modules/undici/lib/api/api-request.js', 10),
      ],
      samples: [2, 3, 3, 4],
      timeDeltas: [0, 100, 100, 100, 100],
    });
    expect(summary.origins).toEqual([
      { origin: 'src/server', share: 0.5 },
      { origin: 'graphql', share: 0.25 },
      { origin: 'undici', share: 0.25 },
    ]);
    expect(summary.functions.map((f) => [f.name, f.where])).toEqual([
      ['handle', 'src/server/http.ts (chunk-TEST.js:7)'],
      ['executeFields', 'graphql/execution/execute.js (chunk-TEST.js:4)'],
      ['request', 'undici/lib/api/api-request.js:11'],
    ]);
  });
});
