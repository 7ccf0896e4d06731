// Cold start and idle memory of the gateway, as docs/operations.md reports them: the time from spawning the
// process to its first `/readyz` 200, and its resident memory (VmRSS, Linux) 3 s after that, for the
// build (`npm start`'s command) and for the sources through tsx (`npm run dev`'s). Median of --runs
// (default 5) per command, on the embedded simulator. Run `npm run build` first.
//
//   node scripts/measure-start.mjs [--runs 5]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

const COMMANDS = {
  'build (npm start)': ['--max-semi-space-size=64', '--expose-gc', 'dist/server/main-production.js'],
  'tsx (npm run dev)': ['--import', 'tsx', 'src/server/main.ts'],
};

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system) a process has used, from /proc/PID/stat, at 100 ticks per second. */
function cpuTimeMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function once(args) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'silent', NODE_ENV: undefined },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await sleep(10);
    }
    const readyMs = performance.now() - started;
    const cpuMs = cpuTimeMs(child.pid);
    await sleep(3000);
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
    return { readyMs, cpuMs, rssMiB: Number(rss) / 1024 };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  }
}

const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
for (const [name, args] of Object.entries(COMMANDS)) {
  const results = [];
  for (let i = 0; i < runs; i += 1) results.push(await once(args));
  console.log(
    `${name}: ready in ${(median(results.map((r) => r.readyMs)) / 1000).toFixed(2)} s (runs: ${results.map((r) => (r.readyMs / 1000).toFixed(2)).join(', ')}), CPU to ready ${(median(results.map((r) => r.cpuMs)) / 1000).toFixed(2)} s, idle RSS ${median(results.map((r) => r.rssMiB)).toFixed(0)} MiB (runs: ${results.map((r) => r.rssMiB.toFixed(0)).join(', ')})`,
  );
}
console.log(
  `node ${process.version}, ${(await import('node:os')).cpus().length} cores, load average ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
