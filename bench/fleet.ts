/**
 * The fleet benchmark (`npm run bench:fleet`, options: `--help`): what many polling dashboards cost
 * and what they see, through a REST pass-through, the gateway without its response cache and the
 * gateway with it, in one run (issue 22).
 *
 * Processes: the server under test (reference-server.ts in `fleet` mode, or the gateway as `npm
 * start` runs it) alone on --server-cpus; this process (the clients, fleet-clients.ts) and the
 * upstream (fleet-upstream.ts: the simulator whose jobs move on a ticking clock, behind a counting
 * proxy) on --client-cpus. Server CPU and memory are read from /proc from outside (server-process.ts),
 * upstream calls are counted by the upstream, every answer is checked (fleet-check.ts), and each
 * status read is set against when the upstream changed it (fleet-staleness.ts). Results: tables on
 * stdout, and with --out a markdown and a JSON file. Traffic stays on 127.0.0.1.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { settingVariables } from '../src/config-variables.js';
import { forkChannel } from './child-channel.js';
import { expectationOf } from './fleet-check.js';
import { planClients } from './fleet-clients.js';
import { parseFleetOptions } from './fleet-options.js';
import { renderFleetReport, type ScenarioResult } from './fleet-report.js';
import { runScenarios, type ScenarioSetup } from './fleet-scenario.js';
import type { FleetUpstreamConfig, FleetUpstreamReply, FleetUpstreamRequest } from './fleet-upstream.js';
import { busyProcesses, choosePinning, coresOf, describeBusy, describeMachine, loadNow, uptime } from './machine.js';
import { transpileToPlainJs } from './plain-js.js';
import { portableCommand, portablePath } from './portable-path.js';
import { startScript, type ServerProcess } from './server-process.js';

const options = parseFleetOptions(process.argv.slice(2));
const root = fileURLToPath(new URL('..', import.meta.url));
const startedAt = performance.now();
const servers = new Set<ServerProcess>();

const { serverCpus, pinning } = choosePinning(options);
const machine = { ...describeMachine(), busyAtStart: describeBusy(await busyProcesses()) };
console.log(
  `machine: ${machine.cpus}, ${machine.memoryGiB} GiB, Node ${machine.node}; load at start: ${machine.uptimeAtStart}; busy: ${machine.busyAtStart}`,
);
console.log(pinning);

// The clients keep polling for one interval and one TTL (and 2 s) after the window closes, so that
// a change near its end can still be read.
const tailMs = options.pollMs + options.ttlMs + 2_000;
// The upstream inherits this process's pinning (the clients' cores).
const upstream = forkChannel<FleetUpstreamRequest, FleetUpstreamReply>(
  fileURLToPath(new URL('./fleet-upstream.ts', import.meta.url)),
  {
    BENCH_FLEET: JSON.stringify({
      organizations: options.organizations,
      tokens: options.tokens,
      jobsPerOrganization: options.jobsPerOrganization,
      jobSeconds: options.jobSeconds,
      tickMs: options.tickMs,
      warmupMs: options.warmup * 1000,
      timelineMs: (options.warmup + options.duration) * 1000 + tailMs,
      proxies: options.together ? options.scenarios.length : 1,
      latencyMs: options.upstreamLatencyMs,
    } satisfies FleetUpstreamConfig),
  },
);
const watchdog = setTimeout(() => {
  console.error(`bench:fleet: still running after ${options.maxSeconds} s; stopping.`);
  for (const server of servers) void server.stop(0);
  upstream.child.kill('SIGKILL');
  setTimeout(() => process.exit(2), 500);
}, options.maxSeconds * 1000);
watchdog.unref();

const ready = await upstream.ready();
const expect = expectationOf(ready.jobs);
const clients = planClients(options.clients, ready.tenants, expect);
const referenceDir = await transpileToPlainJs(root, ['reference-server.ts', 'flat-page.ts', 'fleet-page.ts']);
const gatewayCommand = options.gatewayCommand ?? startScript(root);
// Many browsers, one address here: the per-address bound on connections (256 by default) is raised
// to the clients' connections, and the per-caller bound on operations in flight to what one token's
// clients may have at once. The metrics listener takes a free port (its default may be another
// instance's on a shared machine). Every other setting is the gateway's default.
const gatewayEnv: Record<string, string> = {
  METRICS_PORT: '0',
  CALLER_MAX_OPERATIONS: String(2 * Math.ceil(options.clients / options.tokens)),
  MAX_CONNECTIONS_PER_ADDRESS: String(Math.max(256, options.clients)),
  ...Object.fromEntries(
    (options.gatewayEnv?.split(',') ?? []).map((pair) => [
      pair.slice(0, pair.indexOf('=')),
      pair.slice(pair.indexOf('=') + 1),
    ]),
  ),
};
const cacheKnown = options.cacheVariable in settingVariables.shape;
// The values as written in the report: a checkout's path (an A/B of two builds) names no machine.
const cacheOffShown = portableCommand(options.cacheOff);
const cacheOnShown = portableCommand(options.cacheOn);
const cacheSetting = cacheKnown
  ? `${options.cacheVariable} is a setting of this checkout (src/config-variables.ts): cache-off ran the gateway with ${options.cacheVariable}=${cacheOffShown}, cache-on with ${options.cacheVariable}=${cacheOnShown}.`
  : options.gatewayCommand?.includes(`$${options.cacheVariable}`)
    ? `${options.cacheVariable} is not a setting of this checkout (src/config-variables.ts): the gateway command reads it (\`$${options.cacheVariable}\`), so cache-off ran it with ${options.cacheVariable}=${cacheOffShown}, cache-on with ${options.cacheVariable}=${cacheOnShown}; the response cache is as the rest of the environment sets it.`
    : `${options.cacheVariable} is not a setting of this checkout (src/config-variables.ts): the gateway does not read it, so cache-off and cache-on ran the same gateway, without a response cache.`;
console.log(
  `${ready.jobs.length} jobs, ${ready.tenants.length} tokens, ${clients.length} clients; gateway: \`${gatewayCommand}\`; ${cacheSetting}`,
);

const setup: ScenarioSetup = {
  options,
  root,
  apiBaseUrls: ready.apiBaseUrls,
  tenants: ready.tenants,
  expect,
  clients,
  tailMs,
  serverCpus,
  servers,
  upstream,
  reference: { command: `node ${JSON.stringify(join(referenceDir, 'reference-server.js'))}` },
  gateway: { command: gatewayCommand, env: gatewayEnv },
};
/** The keys of every gateway's response cache in a Redis (build-response-cache.ts: `ftgw:rc:<fingerprint>:`). */
const CACHE_KEYS = 'ftgw:rc:*';
const results: ScenarioResult[] = [];
// Every scenario starts the upstream's clock at tick 0 again, behind the same proxies: a Redis store
// that kept an earlier scenario's answers would serve this one answers from a later tick.
const clearCache = gatewayEnv['REDIS_URL'] ? cacheKeysCleaner(gatewayEnv['REDIS_URL']) : null;
if (clearCache)
  console.log(
    `REDIS_URL is set: the response cache's keys there (${CACHE_KEYS}) are deleted before each scenario, so that none reads an earlier one's answers.`,
  );
try {
  // Interleaved: each repetition runs every scenario before the next begins, so that a slow drift
  // of the machine falls on all of them alike; with --together, at once, in one window.
  for (let rep = 1; rep <= options.reps; rep += 1) {
    if (options.together) {
      await clearCache?.();
      results.push(...(await runScenarios(setup, options.scenarios, rep)));
    } else
      for (const scenario of options.scenarios) {
        await clearCache?.();
        results.push(...(await runScenarios(setup, [scenario], rep)));
      }
  }
  await report();
} finally {
  await clearCache?.close();
  for (const server of servers) await server.stop();
  await upstream.close({ type: 'close' });
  clearTimeout(watchdog);
}
process.exit(results.some((r) => r.failures > 0) ? 1 : 0);

async function report(): Promise<void> {
  const finished = {
    ...machine,
    uptimeAtEnd: uptime(),
    loadAtEnd: loadNow(),
    busyAtEnd: describeBusy(await busyProcesses()),
  };
  const seconds = Math.round((performance.now() - startedAt) / 1000);
  const markdown = renderFleetReport(results, {
    limitMs: options.pollMs + options.ttlMs,
    pollMs: options.pollMs,
    ttlMs: options.ttlMs,
    cacheSetting,
    serverCores: serverCpus === undefined ? null : coresOf(serverCpus),
  });
  const header = [
    `machine: ${finished.cpus}, ${finished.memoryGiB} GiB, Node ${finished.node}`,
    `load at start: ${finished.uptimeAtStart}; busy: ${finished.busyAtStart}`,
    `load at end: ${finished.uptimeAtEnd}; busy: ${finished.busyAtEnd}; run took ${seconds} s`,
    pinning,
    `${clients.length} clients, ${ready.tenants.length} tokens, ${options.organizations} organizations, ${ready.jobs.length} jobs; ` +
      `poll every ${options.pollMs} ms; ${options.upstreamLatencyMs ? `upstream calls held ${options.upstreamLatencyMs} ms; ` : ''}window ${options.duration} s after ${options.warmup} s of warm-up` +
      `${options.reps > 1 ? `; ${options.reps} repetitions, interleaved` : ''}` +
      `${options.together ? '; the scenarios of each repetition at once (--together), one window, each server behind its own counting proxy' : ''}; gateway \`${portableCommand(gatewayCommand)}\` with ` +
      Object.entries(gatewayEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
  ].join('\n\n');
  console.log(`\n${markdown}\n\n${header}`);
  if (options.out) {
    await writeFile(`${options.out}.md`, `${header}\n\n${markdown}\n`);
    const settings = {
      ...options,
      ...(options.out === undefined ? {} : { out: portablePath(options.out) }),
      gatewayCommand: portableCommand(gatewayCommand),
      cacheOff: cacheOffShown,
      cacheOn: cacheOnShown,
      gatewayEnv,
      cacheKnown,
      pinning,
      seconds,
    };
    await writeFile(`${options.out}.json`, JSON.stringify({ machine: finished, settings, results }, null, 2));
  }
}

/** Deletes the response cache's keys in the Redis at `url`; `close()` lets go of the connection. */
function cacheKeysCleaner(url: string): (() => Promise<void>) & { close(): Promise<void> } {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const clear = async () => {
    if (redis.status === 'wait') await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', CACHE_KEYS, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  };
  return Object.assign(clear, { close: () => redis.quit().then(() => undefined) });
}
