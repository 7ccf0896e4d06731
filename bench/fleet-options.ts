/**
 * Command-line options of the fleet benchmark (`npm run bench:fleet -- --help`), each described with
 * its default. Durations are in seconds (fractions allowed: the smoke test runs tiny ones), intervals
 * in milliseconds.
 */
import { z } from 'zod';
import { parseArgs, cpuList } from './cli.js';
import { JOB_TTL_MS, responseTtlPolicy } from '../src/schema/response-cache-policy.js';

export const SCENARIOS = ['passthrough', 'cache-off', 'cache-on'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

const USAGE = `npm run bench:fleet -- [options]: a fleet of polling dashboards (bench/fleet.ts, results in bench/RESULTS.md).
N clients across K tokens of M organizations ask, every --poll-ms, the jobs list and the detail of one job with
its metrics, while the jobs' statuses move on the upstream. Measured in one run, each server on --server-cpus:

passthrough: a REST pass-through (node:http + undici: the list, or the job and its metrics, per request)
cache-off:   the gateway with --cache-variable=--cache-off (no response cache)
cache-on:    the gateway with --cache-variable=--cache-on (its response cache)

With --reps N > 1 the scenarios run interleaved (rep 1: passthrough, cache-off, cache-on; rep 2 the same; …),
each repetition exactly as one scenario runs (fresh server, upstream back at tick 0), and the report gives the
median over the repetitions and the cache-on ÷ pass-through ratio of each. With --together the scenarios of a
repetition run at once, in one window (each server behind its own counting proxy, with its own fleet).`;

const seconds = (fallback: number) => z.coerce.number().positive().max(3_600).default(fallback);
const count = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const schema = z.object({
  clients: count(1, 5_000, 200).describe('Dashboards polling at once. @default 200'),
  tokens: count(1, 1_000, 10).describe('Tokens they share (client i holds token i mod K). @default 10'),
  organizations: count(1, 100, 2).describe(
    'Organizations the tokens belong to (token k in organization k mod M). @default 2',
  ),
  jobsPerOrganization: count(1, 20, 10).describe(
    "Jobs of each organization (all on the list's first page of 20). @default 10",
  ),
  pollMs: count(50, 600_000, 3_000).describe(
    'Each client asks the list and its job once per this interval, from a random phase. @default 3000',
  ),
  ttlMs: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      "The response cache's time-to-live of a running job, for the staleness limit (a read older than --poll-ms + --ttl-ms after the change is stale). @default the gateway's: its POLL_INTERVAL_LIST_MS when --gateway-env sets it, else the default (src/schema/response-cache-policy.ts)",
    ),
  duration: seconds(60).describe('Seconds of the measured window of each scenario. @default 60'),
  warmup: seconds(5).describe(
    'Seconds of polling before the window opens (connections, JIT, caches); the jobs move from the start. @default 5',
  ),
  jobSeconds: seconds(60).describe(
    'Wall seconds a job lives (queued 10 %, starting 10 %, running 80 %); each completes inside the window. @default 60',
  ),
  tickMs: count(10, 10_000, 100).describe(
    "The upstream's clock moves in steps of this many ms (the resolution of when a status changed). @default 100",
  ),
  upstreamLatencyMs: count(0, 10_000, 0).describe(
    'Each upstream call waits this long at the counting proxy before it is forwarded (a timer, not CPU): a remote provider. @default 0',
  ),
  reps: count(1, 10, 1).describe(
    'Repetitions of the scenarios, interleaved (rep 1: each scenario, then rep 2: each, …); the report gives the median of each figure and the ratio of each repetition. @default 1',
  ),
  together: z
    .boolean()
    .default(false)
    .describe(
      "Run the scenarios of each repetition at once: every server on --server-cpus, each behind its own counting proxy of the one upstream and with its own fleet of the same clients, in one window, so that the machine's drift (a neighbour, a slower minute) falls on all of them alike. The servers share a core (each is idle most of the time at a dashboard's pace), and the clients of all of them run on --client-cpus. They are started, and asked at each tick, in an order that rotates from one repetition to the next: the one asked first measured some 2 % cheaper (run as many repetitions as scenarios, or a multiple). @default false",
    ),
  scenarios: z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()))
    .pipe(z.array(z.enum(SCENARIOS)).min(1))
    .default([...SCENARIOS])
    .describe(`Which scenarios to run, of ${SCENARIOS.join(', ')}. @default all`),
  cacheVariable: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/)
    .default('RESPONSE_CACHE_ENABLED')
    .describe("The gateway's setting that turns its response cache on and off. @default RESPONSE_CACHE_ENABLED"),
  cacheOff: z.string().default('false').describe('Its value for cache-off. @default false'),
  cacheOn: z.string().default('true').describe('Its value for cache-on. @default true'),
  gatewayCommand: z
    .string()
    .optional()
    .describe(
      'Shell command that starts the gateway (run in the repository root with node_modules/.bin on PATH). @default the `start` script of package.json',
    ),
  gatewayEnv: z
    .string()
    .regex(/^([A-Z_][A-Z0-9_]*=[^,]*)(,[A-Z_][A-Z0-9_]*=[^,]*)*$/, 'NAME=value pairs separated by commas')
    .optional()
    .describe(
      'Extra environment of the gateway. Without it the gateway gets NSCALE_API_URL, the cache variable, METRICS_PORT=0 (a free port), CALLER_MAX_OPERATIONS = 2 × the clients of one token (each may have its two requests in flight at once; the default bound of 32 would refuse some), MAX_CONNECTIONS_PER_ADDRESS = the clients if more than its default 256 (browsers have addresses of their own; here they share one) and PORT, PATH, HOME. @default none',
    ),
  serverCpus: cpuList.default('0').describe('taskset CPU list of the server under test. @default 0'),
  clientCpus: cpuList.default('1').describe('taskset CPU list of the clients and the upstream. @default 1'),
  noPin: z.boolean().default(false).describe('Do not pin anything. @default false'),
  seed: count(0, 2 ** 31 - 1, 22).describe("Seed of the clients' random phases. @default 22"),
  out: z
    .string()
    .optional()
    .describe('Also write the report (markdown) and raw numbers (JSON) to this path prefix. @default none'),
  maxSeconds: z.coerce
    .number()
    .int()
    .min(10)
    .optional()
    .describe('The whole run is stopped after this many seconds. @default 900 per repetition'),
});

export type FleetOptions = z.output<typeof schema> & { ttlMs: number; maxSeconds: number };

/** A running job's time-to-live in the gateway the run starts: its list poll interval (response-cache-policy.ts). */
function runningTtlOf(gatewayEnv: string | undefined): number {
  const listMs = /(?:^|,)POLL_INTERVAL_LIST_MS=(\d+)(?:,|$)/.exec(gatewayEnv ?? '')?.[1];
  return listMs
    ? responseTtlPolicy({ queuedMs: JOB_TTL_MS.queued, listMs: Number(listMs) }).jobs.running
    : JOB_TTL_MS.running;
}

export function parseFleetOptions(argv: readonly string[]): FleetOptions {
  const parsed = parseArgs('bench:fleet', USAGE, argv, schema, new Set(['no-pin', 'together']));
  return {
    ...parsed,
    ttlMs: parsed.ttlMs ?? runningTtlOf(parsed.gatewayEnv),
    maxSeconds: parsed.maxSeconds ?? 900 * parsed.reps,
  };
}
