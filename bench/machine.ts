/**
 * What the benchmarks write beside their figures about the machine: its cores, memory and Node,
 * `uptime` (load averages), the processes that used CPU just before and after the run (sampled from
 * /proc over a moment, so a run on a shared machine says who it shared it with), and how the server
 * under test was pinned (`taskset`), or why it was not.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasProc, hasTaskset, pin } from './server-process.js';

export interface Machine {
  cpus: string;
  memoryGiB: number;
  node: string;
  platform: string;
  uptimeAtStart: string;
  loadAtStart: number[];
}

export interface BusyProcess {
  pid: number;
  /** The executable's name (`comm`): never its arguments, which may hold anything. */
  command: string;
  /** The last segment of its working directory (which checkout a `node` runs in), when readable. */
  directory?: string;
  /** The CPUs it may run on, when pinned to fewer than all (`taskset`): another benchmark's server, often. */
  pinnedTo?: string;
  /** Share of one core used over the sample, in %. */
  cpuPercent: number;
}

export function describeMachine(): Machine {
  return {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: process.platform,
    uptimeAtStart: uptime(),
    loadAtStart: loadNow(),
  };
}

export function loadNow(): number[] {
  return loadavg().map((l) => Number(l.toFixed(2)));
}

export function uptime(): string {
  const out = spawnSync('uptime', { encoding: 'utf8' }).stdout?.trim();
  return (
    out ||
    `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`
  );
}

/**
 * Pins this process (the load generator) to `clientCpus` and says where the server goes: undefined
 * (not pinned) with `--no-pin`, on one core, without taskset, or when taskset refused.
 */
export function choosePinning(o: { noPin: boolean; serverCpus: string; clientCpus: string }): {
  serverCpus: string | undefined;
  pinning: string;
} {
  const cores = availableParallelism();
  let serverCpus: string | undefined;
  let pinning: string;
  if (o.noPin) pinning = 'not pinned (--no-pin): server, load generator and upstream share every core';
  else if (cores < 2)
    pinning = `not pinned: ${cores} core available, so server, load generator and upstream share it (figures are indicative only)`;
  else if (!hasTaskset())
    pinning = 'not pinned: taskset not found (util-linux); server, load generator and upstream share every core';
  else if (!pin(process.pid, o.clientCpus))
    pinning = `not pinned: taskset could not pin this process to CPU ${o.clientCpus}`;
  else {
    serverCpus = o.serverCpus;
    pinning = `server under test on CPU ${o.serverCpus}; load generator and upstream on CPU ${o.clientCpus}`;
  }
  if (!hasProc) pinning += '; no /proc: CPU time and RSS of the server are not measured';
  return { serverCpus, pinning };
}

/** How many CPUs a taskset list names: `0` → 1, `0-1` → 2, `0,2-3` → 3. */
export function coresOf(list: string): number {
  return list
    .split(',')
    .map((part) => part.split('-').map(Number))
    .reduce((sum, [from, to]) => sum + (to === undefined ? 1 : to - from! + 1), 0);
}

/** CPU ticks (utime + stime) and command of every process now. */
function processTicks(): Map<number, { command: string; ticks: number }> {
  const out = new Map<number, { command: string; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), { command, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * The processes that used at least `minPercent` of a core over the next `sampleMs`, busiest first
 * (at most `limit`). Empty without /proc.
 */
export async function busyProcesses(sampleMs = 2_000, minPercent = 2, limit = 10): Promise<BusyProcess[]> {
  if (!hasProc) return [];
  const tick = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
  const before = processTicks();
  const started = performance.now();
  await sleep(sampleMs);
  const seconds = (performance.now() - started) / 1000;
  const busy: BusyProcess[] = [];
  for (const [pid, now] of processTicks()) {
    const then = before.get(pid)?.ticks ?? 0;
    const cpuPercent = ((now.ticks - then) / tick / seconds) * 100;
    if (cpuPercent >= minPercent)
      busy.push({
        pid,
        command: now.command,
        ...directoryOf(pid),
        ...pinningOf(pid),
        cpuPercent: Math.round(cpuPercent),
      });
  }
  return busy.sort((a, b) => b.cpuPercent - a.cpuPercent).slice(0, limit);
}

function directoryOf(pid: number): { directory?: string } {
  try {
    return { directory: basename(readlinkSync(`/proc/${pid}/cwd`)) || '/' };
  } catch {
    return {};
  }
}

function pinningOf(pid: number): { pinnedTo?: string } {
  try {
    const allowed = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    const all = `0-${cpus().length - 1}`;
    return allowed && allowed !== all && !(cpus().length === 1 && allowed === '0') ? { pinnedTo: allowed } : {};
  } catch {
    return {};
  }
}

/** One line: "node in wt-rcache on CPU 0 [1234] 98 %, kdamond.0 [83] 3 %", or "none above 2 % of a core". */
export function describeBusy(processes: readonly BusyProcess[]): string {
  return processes.length
    ? processes
        .map(
          (p) =>
            `${p.command}${p.directory ? ` in ${p.directory}` : ''}${p.pinnedTo ? ` on CPU ${p.pinnedTo}` : ''} [${p.pid}] ${p.cpuPercent} %`,
        )
        .join(', ')
    : 'none above 2 % of a core';
}
