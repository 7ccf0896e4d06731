/**
 * The idle-memory benchmark (`npm run bench:idle`, options: `--help`): how much resident memory the
 * production start holds once it is ready and nobody asks it anything, in both ways it is run: on the
 * embedded simulators (no upstream configured) and in front of a remote upstream (two simulators in
 * processes of their own). The gateway is started with its checkout's `start` script, pinned with
 * taskset, and measured from outside through /proc (server-process.ts): VmRSS after --settle seconds,
 * VmHWM (the peak of its whole life, start-up included), and the resident split into anonymous memory
 * (the V8 heap, malloc) and file pages (mostly the node binary's code). With --builds, several
 * checkouts are measured in turn within one run (before/after on the same machine at the same time).
 * Run `npm run build` (in each checkout) first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseIdleOptions, type Mode } from './idle-options.js';
import { portableCommand, portablePath } from './portable-path.js';
import { fmt, median, table } from './report.js';
import { freePort, hasProc, hasTaskset, startServer, type ServerProcess } from './server-process.js';

const options = parseIdleOptions(process.argv.slice(2));
const root = fileURLToPath(new URL('..', import.meta.url));
const MiB = 2 ** 20;

interface Build {
  label: string;
  dir: string;
  command: string;
}

interface IdleReading {
  rep: number;
  build: string;
  mode: Mode;
  /** Seconds from spawn to the first 2xx of /readyz. */
  readySeconds: number;
  /** Bytes, read from /proc/<pid>/status after --settle seconds. */
  rss: number;
  peak: number;
  anon: number;
  file: number;
  /** The 1-minute load average when the reading was taken. */
  load: number;
  /** The Node version the gateway ran on (its command may name another node than this harness's). */
  node: string;
}

const builds: Build[] = (options.builds?.split(',') ?? [`this=${root}`]).map((pair) => {
  const label = pair.slice(0, pair.indexOf('='));
  const dir = resolve(pair.slice(pair.indexOf('=') + 1));
  if (!existsSync(join(dir, 'dist/server/main-production.js')))
    throw new Error(`bench:idle: ${dir} has no dist/server/main-production.js: run \`npm run build\` there first`);
  return { label, dir, command: options.command ?? startScript(dir) };
});

let pinned = false;
let pinning: string;
if (options.noPin) pinning = 'not pinned (--no-pin)';
else if (availableParallelism() < 2) pinning = 'not pinned: one core available';
else if (!hasTaskset()) pinning = 'not pinned: taskset not found (util-linux)';
else {
  pinned = true;
  pinning = `gateway on CPU ${options.cpus}, simulators on CPU ${options.upstreamCpus}`;
}
if (!hasProc) throw new Error('bench:idle reads /proc/<pid>/status: it runs on Linux only');

const machine = {
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
  node: process.version,
  loadAtStart: loadavg().map((l) => Number(l.toFixed(2))),
};
console.log(
  `machine: ${machine.cpus}, ${machine.memoryGiB} GiB, Node ${machine.node}; load average at start ${machine.loadAtStart.join(' ')}; ${pinning}`,
);
for (const b of builds) console.log(`build ${b.label}: \`${b.command}\` in ${b.dir}`);

const running = new Set<ServerProcess>();
const readings: IdleReading[] = [];
let simulators: { nscale: string; together: string } | undefined;
try {
  if (options.modes.includes('remote')) simulators = await startSimulators();
  for (let rep = 1; rep <= options.reps; rep += 1)
    for (const build of builds)
      for (const mode of options.modes) {
        const reading = await measure(rep, build, mode);
        readings.push(reading);
        console.log(
          `rep ${rep} ${build.label} ${mode}: ready in ${fmt(reading.readySeconds, 2)} s, idle RSS ${fmt(reading.rss / MiB)} MiB, peak ${fmt(reading.peak / MiB)} MiB (anon ${fmt(reading.anon / MiB)}, file ${fmt(reading.file / MiB)}), load ${fmt(reading.load, 2)}`,
        );
      }
} finally {
  for (const server of running) await server.stop(2_000);
}

const loadAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
const report = renderReport();
console.log(`\n${report}`);
if (options.out) {
  await writeFile(`${options.out}.md`, `${report}\n`);
  const portableBuilds = builds.map((b) => ({ ...b, dir: portablePath(b.dir), command: portableCommand(b.command) }));
  // The options as given, with their paths (a checkout, a node binary) made portable too.
  const portableOptions = {
    ...options,
    ...(options.out === undefined ? {} : { out: portablePath(options.out) }),
    ...(options.builds === undefined
      ? {}
      : {
          builds: options.builds
            .split(',')
            .map((b) => portableCommand(b))
            .join(','),
        }),
    ...(options.command === undefined ? {} : { command: portableCommand(options.command) }),
  };
  await writeFile(
    `${options.out}.json`,
    `${JSON.stringify({ machine, loadAtEnd, pinning, options: portableOptions, builds: portableBuilds, readings }, null, 2)}\n`,
  );
  console.log(`\nwritten: ${options.out}.md, ${options.out}.json`);
}

async function measure(rep: number, build: Build, mode: Mode): Promise<IdleReading> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: `${join(build.dir, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}`,
    HOME: process.env['HOME'] ?? build.dir,
    PORT: String(port),
    // A free port of its own: another gateway on this machine may hold the default one.
    METRICS_PORT: String(await freePort()),
    ...(mode === 'remote' ? { NSCALE_API_URL: simulators!.nscale, TOGETHER_API_URL: simulators!.together } : {}),
  };
  const started = performance.now();
  const server = await startServer({
    command: build.command,
    cwd: build.dir,
    env,
    cpus: pinned ? options.cpus : undefined,
    port,
    readyPath: '/readyz',
    readyTimeoutMs: 60_000,
  });
  running.add(server);
  try {
    const readySeconds = (performance.now() - started) / 1000;
    await sleep(options.settle * 1000);
    const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return {
      rep,
      build: build.label,
      mode,
      readySeconds,
      rss: kib('VmRSS'),
      peak: kib('VmHWM'),
      anon: kib('RssAnon'),
      file: kib('RssFile'),
      load: loadavg()[0]!,
      node: nodeVersionOf(server.pid),
    };
  } finally {
    await server.stop();
    running.delete(server);
  }
}

/** The version of the node a process runs, read from its executable; `?` when it is not node (a command without `exec`). */
function nodeVersionOf(pid: number): string {
  const exe = readlinkSync(`/proc/${pid}/exe`);
  if (!/\/node[^/]*$/.test(exe)) return `? (${exe})`;
  return execFileSync(exe, ['-v'], { encoding: 'utf8', timeout: 10_000 }).trim();
}

/** The Nscale and Together simulators, each in its own process (`npm run simulator`'s program), for remote mode. */
async function startSimulators(): Promise<{ nscale: string; together: string }> {
  const start = async (provider: 'nscale' | 'together') => {
    const port = await freePort();
    const server = await startServer({
      command: 'exec node dist/simulator/main.js',
      cwd: root,
      env: {
        PATH: process.env['PATH'] ?? '',
        SIMULATOR_PORT: String(port),
        SIMULATOR_PROVIDER: provider,
        SIMULATOR_LOG_LEVEL: 'silent',
      },
      cpus: pinned ? options.upstreamCpus : undefined,
      port,
      readyPath: '/__admin/stats',
      readyTimeoutMs: 30_000,
    });
    running.add(server);
    return server.url;
  };
  const nscale = await start('nscale');
  const together = await start('together');
  return { nscale: `${nscale}/api/v1`, together: `${together}/v1` };
}

function renderReport(): string {
  const range = (values: number[], scale = MiB, digits = 1) =>
    `${fmt(median(values) / scale, digits)} (${fmt(Math.min(...values) / scale, digits)}–${fmt(Math.max(...values) / scale, digits)})`;
  const rows = builds.flatMap((build) =>
    options.modes.map((mode) => {
      const of = readings.filter((r) => r.build === build.label && r.mode === mode);
      const pick = (key: 'rss' | 'peak' | 'anon' | 'file' | 'readySeconds' | 'load') => of.map((r) => r[key]);
      return [
        build.label,
        mode,
        range(pick('rss')),
        range(pick('peak')),
        fmt(median(pick('anon')) / MiB),
        fmt(median(pick('file')) / MiB),
        range(pick('readySeconds'), 1, 2),
        range(pick('load'), 1, 2),
        [...new Set(of.map((r) => r.node))].join(', '),
      ];
    }),
  );
  return [
    `Idle memory of the production start, ${options.reps} repetition(s), read ${options.settle} s after /readyz answered; medians (min–max).`,
    `harness on Node ${machine.node}, ${machine.cpus}; ${pinning}; load average at start ${machine.loadAtStart.join(' ')}, at end ${loadAtEnd.join(' ')}.`,
    '',
    table(
      [
        'build',
        'mode',
        'idle RSS MiB (VmRSS)',
        'peak MiB (VmHWM)',
        'anon MiB',
        'file MiB',
        'spawn → ready s',
        'load average (1 min)',
        "gateway's Node",
      ],
      rows,
    ),
  ].join('\n');
}

function startScript(dir: string): string {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const start = pkg.scripts?.['start'];
  if (!start) throw new Error(`${dir}/package.json has no start script; pass --command`);
  return start;
}
