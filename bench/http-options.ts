/**
 * Command-line options of the throughput benchmark (`npm run bench:http -- --help`), each described
 * with its default. Durations are in seconds and may be fractions (the smoke test runs tiny ones).
 */
import { z } from 'zod';
import { parseArgs, cpuList } from './cli.js';

export const TARGETS = ['ceiling', 'direct', 'passthrough', 'floor', 'flat', 'base-model', 'linked'] as const;
export type TargetName = (typeof TARGETS)[number];

const USAGE = `npm run bench:http -- [options]: GraphQL queries through the gateway against a bare REST pass-through and a bare
node:http ceiling, in one run (bench/http.ts, results in bench/RESULTS.md). The server under test runs alone on
--server-cpus, the load generator and the fixed-data upstream on --client-cpus.

Targets: ceiling (fixed bytes, no upstream), direct (the load generator calls the upstream page itself:
the latency floor), passthrough (node:http + undici, same answer as flat), floor (a minimal graphql-yoga +
Pothos server, bench/floor-server.ts: same answer as flat; floor − passthrough is yoga's request layer,
gateway − floor is what the gateway adds), and the gateway on
flat:       jobs(first: 20) { totalCount edges { node { id name status createdAt } } }
base-model: the same with baseModel { name }
linked:     the same with baseModel { name } dataset { name } metrics { latest { step trainingLoss } }`;

const seconds = (fallback: number) => z.coerce.number().positive().max(3_600).default(fallback);
const list = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()))
    .pipe(z.array(z.enum(values)).min(1));

const schema = z.object({
  reps: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(3)
    .describe(
      'Repetitions of the whole set (a fresh process per target each time); tables give medians and min–max. @default 3',
    ),
  duration: seconds(8).describe(
    'Seconds of closed-loop load per scenario (throughput, CPU per request, closed-loop latency). @default 8',
  ),
  openDuration: z.coerce
    .number()
    .min(0)
    .max(3_600)
    .default(5)
    .describe(
      'Seconds of open-loop load per scenario (latency at a fixed rate below saturation); 0 skips it. @default 5',
    ),
  openFraction: z.coerce
    .number()
    .gt(0)
    .max(1)
    .default(0.5)
    .describe('Open-loop rate as a share of the closed-loop throughput just measured. @default 0.5'),
  warmup: seconds(2).describe(
    'Seconds of unmeasured closed-loop load before each scenario (JIT, caches, connections). @default 2',
  ),
  connections: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000)
    .default(50)
    .describe('Keep-alive connections of the load generator. @default 50'),
  latencies: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'a comma-separated list of milliseconds')
    .transform((s) => s.split(',').map(Number))
    .default([0, 20])
    .describe('Upstream latencies to run every upstream-backed target at, in ms. @default 0,20'),
  targets: list(TARGETS)
    .default([...TARGETS])
    .describe(`Which targets to run, of ${TARGETS.join(', ')}. @default all`),
  idleWait: seconds(3).describe('Seconds after a server is ready before its idle RSS is read. @default 3'),
  gatewayCommand: z
    .string()
    .optional()
    .describe(
      'Shell command that starts the gateway (run in the repository root with node_modules/.bin on PATH, like npm does). @default the `start` script of package.json',
    ),
  gatewayEnv: z
    .string()
    .regex(/^([A-Z_][A-Z0-9_]*=[^,]*)(,[A-Z_][A-Z0-9_]*=[^,]*)*$/, 'NAME=value pairs separated by commas')
    .optional()
    .describe(
      'Extra environment of the gateway, e.g. NODE_ENV=production,LOG_LEVEL=warn. Without it the gateway gets only NSCALE_API_URL, CALLER_MAX_OPERATIONS=--connections (the load is one caller: the default bound of 32 operations in flight would refuse part of it), METRICS_PORT=0 (a free port: 9464 may be taken on a shared machine) and PORT, PATH, HOME. @default none',
    ),
  floorNodeFlags: z
    .string()
    .regex(/^(--[a-z-]+(=\S+)?)?(\s+--[a-z-]+(=\S+)?)*$/, 'node flags such as --max-semi-space-size=64')
    .default('--max-semi-space-size=64')
    .describe(
      'Flags of the `node` that runs the floor server (it also gets NODE_ENV=production): keep them those `npm start` gives the gateway, so that gateway − floor is code only. @default --max-semi-space-size=64',
    ),
  serverCpus: cpuList.default('0').describe('taskset CPU list of the server under test. @default 0'),
  clientCpus: cpuList.default('1').describe('taskset CPU list of the load generator and the upstream. @default 1'),
  noPin: z
    .boolean()
    .default(false)
    .describe(
      'Do not pin anything (pinning is also skipped, with a note, without taskset or with one core). @default false',
    ),
  jobs: z.coerce
    .number()
    .int()
    .min(20)
    .max(200)
    .default(25)
    .describe('Jobs in the upstream organization (the page shows the newest 20). @default 25'),
  datasets: z.coerce.number().int().min(1).max(20).default(5).describe('Distinct datasets the jobs use. @default 5'),
  baseModels: z.coerce
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe('Distinct base models the jobs use. @default 3'),
  cpuProf: z
    .boolean()
    .default(false)
    .describe(
      'After the repetitions, run the gateway once more with --cpu-prof under the flat query at 0 ms and print where its time went. @default false',
    ),
  profileSeconds: seconds(10).describe('Seconds of load in the profiled run. @default 10'),
  profileDir: z
    .string()
    .optional()
    .describe(
      'Where the .cpuprofile goes (open it in Chrome DevTools). @default a new directory under the OS temp directory',
    ),
  out: z
    .string()
    .optional()
    .describe('Also write the tables (markdown) and raw numbers (JSON) to this path prefix. @default none'),
  maxSeconds: z.coerce
    .number()
    .int()
    .min(10)
    .default(900)
    .describe('The whole run is stopped after this many seconds. @default 900'),
});

export type HttpBenchOptions = z.output<typeof schema>;

const BOOLEAN_FLAGS = new Set(['no-pin', 'cpu-prof']);

export function parseHttpOptions(argv: readonly string[]): HttpBenchOptions {
  return parseArgs('bench:http', USAGE, argv, schema, BOOLEAN_FLAGS);
}
