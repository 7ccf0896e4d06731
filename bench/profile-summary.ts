/**
 * Where a process's CPU time went, from a V8 CPU profile (`node --cpu-prof`): self time per
 * function and per origin (an npm package, a folder of src/, Node's internals, the garbage
 * collector), over a time window so that start-up and shutdown are left out. Shares are of the busy
 * (non-idle) samples in the window.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CpuProfile } from './cpu-profile.js';

export interface ProfileSummary {
  busyMs: number;
  windowed: boolean;
  functions: Array<{ name: string; where: string; share: number }>;
  origins: Array<{ origin: string; share: number }>;
}

interface TimedProfile extends CpuProfile {
  startTime: number;
  nodes: Array<
    CpuProfile['nodes'][number] & {
      callFrame: { functionName: string; url: string; lineNumber?: number; columnNumber?: number };
    }
  >;
}

/** What tells a bundle's frames apart, per file URL: its source map, or its marker lines; null if neither. */
type BundleMap = { sourceMap: SourceMap; dir: string } | { markers: Array<[number, string]> } | null;
const bundleMaps = new Map<string, BundleMap>();

/** `dist/x/y.js` (tsc's output, which esbuild bundled) as `src/x/y.ts`; a package's path from `node_modules/`. */
function moduleOfPath(path: string): string | null {
  const pkg = /(?:^|\/)(node_modules\/.+)$/.exec(path);
  if (pkg) return pkg[1]!;
  const ours = /(?:^|\/)dist\/(.+)\.js$/.exec(path);
  return ours ? `src/${ours[1]}.ts` : null;
}

function readBundleMap(url: string): BundleMap {
  if (!url.startsWith('file://')) return null;
  const path = fileURLToPath(url);
  try {
    // The production bundle ships linked source maps (scripts/bundle-server.mjs).
    const payload = JSON.parse(readFileSync(`${path}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0];
    return { sourceMap: new SourceMap(payload), dir: dirname(path) };
  } catch {
    // no map beside it: an older bundle, whose modules esbuild marked with a comment line each
  }
  const markers: Array<[number, string]> = [];
  try {
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        const marker = /^\/\/ ((?:dist|node_modules)\/\S+\.[cm]?js)$/.exec(text);
        if (marker) markers.push([i, moduleOfPath(marker[1]!)!]);
      });
  } catch {
    // gone since the run, or not readable: its frames keep their own URL
  }
  return markers.length ? { markers } : null;
}

/**
 * The module a frame of the bundled production start ran in (scripts/bundle-server.mjs), as `src/…`
 * for ours (tsc's `dist/x/y.js` is `src/x/y.ts`) or `node_modules/…`: read from the chunk's source
 * map, or, for a bundle without one, from the last `// dist/…` or `// node_modules/…` line esbuild
 * wrote at or above the frame. Null for a frame of a file that is not such a bundle (the sources under
 * tsx, tsc's output, Node's internals).
 */
function bundledModule(url: string, line: number | undefined, column: number | undefined): string | null {
  let map = bundleMaps.get(url);
  if (map === undefined) bundleMaps.set(url, (map = readBundleMap(url)));
  if (!map || line === undefined) return null;
  if ('sourceMap' in map) {
    const entry = map.sourceMap.findEntry(line, column ?? 0) as { originalSource?: string };
    return entry.originalSource ? moduleOfPath(resolve(map.dir, entry.originalSource)) : null;
  }
  let found: string | null = null;
  for (const [start, module] of map.markers) {
    if (start > line) break;
    found = module;
  }
  return found;
}

function originOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)') return '(program: V8/native, no JS frame)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  const src = /\/(src\/[^/]+|bench)\/[^/]+$/.exec(url);
  if (src) return src[1]!;
  if (url.startsWith('node:')) return 'node internals';
  if (url === '') return `native: ${name || '(anonymous)'}`;
  return url.replace(/^.*\//, '');
}

function shortWhere(url: string, line: number | undefined): string {
  const short = url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(src|bench|dist)\//, '$1/');
  return short ? `${short}:${(line ?? 0) + 1}` : '(native)';
}

/** `fromUs`/`toUs`: the window in the profile's clock (CLOCK_MONOTONIC µs, as process.hrtime). */
export function summarizeProfile(profile: TimedProfile, fromUs?: number, toUs?: number, top = 25): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const inWindow: boolean[] = [];
  let t = profile.startTime;
  let any = false;
  profile.samples.forEach((_, i) => {
    t += profile.timeDeltas[i] ?? 0;
    const inside = fromUs === undefined || toUs === undefined || (t >= fromUs && t <= toUs);
    inWindow.push(inside);
    any ||= inside;
  });
  const windowed = any && fromUs !== undefined;
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  const byOrigin = new Map<string, number>();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    if (windowed && !inWindow[i]) return;
    const node = nodes.get(id)!;
    const { functionName, url: frameUrl, lineNumber, columnNumber } = node.callFrame;
    if (functionName === '(idle)') return;
    const us = profile.timeDeltas[i + 1] ?? 0;
    busyUs += us;
    // A frame of the bundled start counts for the module it came from, as it would unbundled.
    const module = bundledModule(frameUrl, lineNumber, columnNumber);
    const url = module ? `file:///${module}` : frameUrl;
    const where = module
      ? `${module.replace(/^node_modules\//, '')} (${frameUrl.replace(/^.*\//, '')}:${(lineNumber ?? 0) + 1})`
      : shortWhere(url, lineNumber);
    const key = `${functionName} ${where}`;
    const entry = byFunction.get(key) ?? { name: functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const origin = originOf(url, functionName);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
  });
  const share = (us: number) => (busyUs === 0 ? 0 : us / busyUs);
  return {
    busyMs: busyUs / 1000,
    windowed,
    functions: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, share: share(f.us) })),
    origins: [...byOrigin]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([origin, us]) => ({ origin, share: share(us) })),
  };
}
