/**
 * A server under test, started from a shell command in its own process group (optionally pinned to
 * cores with `taskset`), and measured from outside through /proc: the process that listens on its
 * port is found (under `npm start` that is a child of tsx, not the shell), and its CPU time
 * (utime + stime of /proc/<pid>/stat) and memory (VmRSS, VmHWM of /proc/<pid>/status) are read
 * without any hook inside it. On a system without /proc the figures are NaN.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServerProcess {
  url: string;
  /** The process that listens on the port (measured), and the one started (its group is stopped). */
  pid: number;
  /** CPU time of the serving process so far, in ms. */
  cpuMs(): number;
  /** Resident set now, and its peak so far, in bytes. */
  memory(): { rss: number; peak: number };
  /** stderr so far (the last 4 KiB), for failure reports. */
  stderr(): string;
  /** SIGTERM to the group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  command: string;
  env: Record<string, string>;
  cwd: string;
  /** `taskset -c` list (e.g. "0"), or undefined not to pin. */
  cpus?: string | undefined;
  port: number;
  readyTimeoutMs: number;
  /** The path that answers 2xx once the server is ready. @default '/healthz' */
  readyPath?: string;
}

const CLOCK_TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

export const hasProc = existsSync('/proc/self/stat');

export function hasTaskset(): boolean {
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The `start` script of the package.json in `root`: how `npm start` starts the gateway. */
export function startScript(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const start = pkg.scripts?.['start'];
  if (!start) throw new Error('package.json has no start script; pass --gateway-command');
  return start;
}

/** Pins a running process (all its threads) to `cpus`; false when taskset refused. */
export function pin(pid: number, cpus: string): boolean {
  return spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' }).status === 0;
}

export async function startServer(o: StartOptions): Promise<ServerProcess> {
  const argv = o.cpus === undefined ? ['sh', '-c', o.command] : ['taskset', '-c', o.cpus, 'sh', '-c', o.command];
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), {
    cwd: o.cwd,
    env: o.env,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString()).slice(-4096);
  });
  let exited: number | null = null;
  child.once('exit', (code, signal) => {
    exited = code ?? (signal ? 128 : 1);
  });
  const url = `http://127.0.0.1:${o.port}`;
  const deadline = performance.now() + o.readyTimeoutMs;
  for (;;) {
    if (exited !== null) throw new Error(`\`${o.command}\` exited (${exited}) before it was ready:\n${err}`);
    if (performance.now() > deadline) {
      stopGroup(child, 0);
      throw new Error(`\`${o.command}\` not ready on ${url} after ${o.readyTimeoutMs} ms:\n${err}`);
    }
    const ok = await fetch(`${url}${o.readyPath ?? '/healthz'}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(100);
  }
  const pid = (hasProc && listenerPid(child.pid!, o.port)) || child.pid!;
  return {
    url,
    pid,
    cpuMs: () => cpuMsOf(pid),
    memory: () => memoryOf(pid),
    stderr: () => err,
    async stop(graceMs = 10_000) {
      if (exited !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      stopGroup(child, graceMs);
      await gone;
      // The group may outlive the shell for a moment (tsx relays the signal to its child).
      for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i += 1) await sleep(100);
    },
  };
}

function stopGroup(child: ChildProcess, graceMs: number): void {
  const group = -child.pid!;
  try {
    process.kill(group, 'SIGTERM');
  } catch {
    return;
  }
  setTimeout(() => {
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      // already gone
    }
  }, graceMs).unref();
}

function cpuMsOf(pid: number): number {
  if (!hasProc) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), counted from field 3: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICK;
  } catch {
    return Number.NaN;
  }
}

function memoryOf(pid: number): { rss: number; peak: number } {
  if (!hasProc) return { rss: Number.NaN, peak: Number.NaN };
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kib('VmRSS'), peak: kib('VmHWM') };
  } catch {
    return { rss: Number.NaN, peak: Number.NaN };
  }
}

/** The descendant of `root` (or root) holding the socket that listens on `port`, or undefined. */
function listenerPid(root: number, port: number): number | undefined {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(cols[9]!);
    }
  }
  for (const pid of descendants(root)) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (inode && inodes.has(inode)) return pid;
      }
    } catch {
      // gone or not ours
    }
  }
  return undefined;
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}
