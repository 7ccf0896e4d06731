/**
 * bench:http's profile summary on the bundled production start: a frame in a chunk counts for the
 * module its source map names (the minified bundle has no comment lines), or on an older bundle
 * without a map, the module esbuild's marker line names (a package, or the folder of src/ tsc compiled
 * it from), as it would have unbundled; frames of other files keep their own URL.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
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

describe('summarizeProfile on a minified bundle with its source map', () => {
  let root: string;
  let bundle: { url: string; text: string };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'profile-summary-map-'));
    const files: Record<string, string> = {
      'dist/server/http.js': 'export function handle(x) { return x + 1; }',
      'node_modules/pkg/index.js': 'export function executeFields(x) { return x * 2; }',
      'dist/server/entry.js':
        "import { handle } from './http.js';\nimport { executeFields } from '../../node_modules/pkg/index.js';\nconsole.log(handle(1), executeFields(2));",
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
    // As scripts/bundle-server.mjs builds the production start: no comment lines, a linked map.
    await build({
      absWorkingDir: root,
      entryPoints: ['dist/server/entry.js'],
      outfile: 'dist/server/out.js',
      bundle: true,
      format: 'esm',
      platform: 'node',
      minifyWhitespace: true,
      sourcemap: 'linked',
      logLevel: 'silent',
    });
    const out = join(root, 'dist/server/out.js');
    bundle = { url: pathToFileURL(out).href, text: await readFile(out, 'utf8') };
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  /** The 0-based line and column where `needle` starts in the bundle. */
  const at = (needle: string) => {
    const lines = bundle.text.split('\n');
    const line = lines.findIndex((l) => l.includes(needle));
    return { lineNumber: line, columnNumber: lines[line]!.indexOf(needle) };
  };

  it('counts each frame for the module its source map names', () => {
    expect(bundle.text).not.toMatch(/^\/\/ dist\//m);
    const summary = summarizeProfile({
      startTime: 0,
      nodes: [
        frame(1, '(root)', ''),
        { id: 2, callFrame: { functionName: 'handle', url: bundle.url, ...at('function handle') } },
        { id: 3, callFrame: { functionName: 'executeFields', url: bundle.url, ...at('function executeFields') } },
      ],
      samples: [2, 2, 3],
      timeDeltas: [0, 100, 100, 100],
    });
    expect(summary.origins.map((o) => o.origin)).toEqual(['src/server', 'pkg']);
    expect(summary.functions.map((f) => f.where.replace(/ \(.*$/, ''))).toEqual(['src/server/http.ts', 'pkg/index.js']);
  });
});
