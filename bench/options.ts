/**
 * Command-line options of the fan-out benchmark, each with its default, and the scenarios they make.
 * Lists (`--jobs 10,1,100`) are swept one factor at a time around the base point, which is the first
 * value of every list; `--cross` runs the full cross product instead. Every scenario runs once per
 * `--grouping` mode, each in a fresh gateway process.
 */
import { z } from 'zod';
import { parseArgs } from './cli.js';

const USAGE = `npm run bench -- [options]: the subscription fan-out benchmark (bench/fanout.ts, results in bench/RESULTS.md).\nLists (--jobs 10,1,100) are swept one factor at a time around the first value of each; --cross runs every combination.`;

const list = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'a comma-separated list of positive integers')
  .transform((s) => s.split(',').map(Number))
  .refine((ns) => ns.every((n) => n > 0), 'every value must be positive');

const schema = z.object({
  subscribers: list
    .default([10_000, 1_000])
    .describe('Subscriptions in all, spread over the sockets. @default 10000,1000'),
  jobs: list
    .default([10, 1, 100])
    .describe(
      'Distinct jobs the subscriptions watch (subscriber i watches job ⌊i / sockets⌋ mod jobs). @default 10,1,100',
    ),
  sockets: list
    .default([100, 10_000])
    .describe('WebSocket connections the subscriptions share (never more than subscribers). @default 100,10000'),
  tokens: list
    .default([1, 100])
    .describe(
      'Distinct tokens of one organization, one per socket round robin (socket s uses token s mod tokens). @default 1,100',
    ),
  grouping: z
    .string()
    .regex(/^(off|on)(,(off|on))*$/, 'off, on or off,on')
    .transform((s) => s.split(',') as Array<'off' | 'on'>)
    .default(['off', 'on'])
    .describe('`off`: the gateway as it was (one execution per subscriber); `on`: grouped. @default off,on'),
  changes: z.coerce
    .number()
    .int()
    .min(1)
    .max(50)
    .default(4)
    .describe('Changes made visible upstream per scenario (one new metric point on every job). @default 4'),
  query: z
    .enum(['latest', 'points'])
    .default('latest')
    .describe(
      'Selection of the subscription: `latest` (status and the latest metric point) or `points` (every point so far). @default latest',
    ),
  intervalMs: z.coerce
    .number()
    .int()
    .min(50)
    .default(1_000)
    .describe("The gateway's poll interval of a running job, in ms. @default 1000"),
  changeTimeoutMs: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(30_000)
    .describe(
      'Longest wait for one change to reach every subscriber before the scenario is marked incomplete. @default 30000',
    ),
  cross: z
    .boolean()
    .default(false)
    .describe('Run every combination of the lists instead of one factor at a time. @default false'),
  cpuProf: z
    .boolean()
    .default(false)
    .describe('Take a V8 CPU profile of the gateway over the changes and print where the time went. @default false'),
  profileDir: z
    .string()
    .optional()
    .describe('Where `.cpuprofile` files go (open them in Chrome DevTools). @default the OS temp directory'),
  out: z
    .string()
    .optional()
    .describe('Also write the tables (markdown) and raw numbers (JSON) to this path prefix. @default none'),
  maxSeconds: z.coerce
    .number()
    .int()
    .min(10)
    .default(900)
    .describe('The whole run is killed after this many seconds. @default 900'),
});

export type BenchOptions = z.output<typeof schema>;

export interface Scenario {
  subscribers: number;
  jobs: number;
  sockets: number;
  tokens: number;
  grouping: 'off' | 'on';
}

const BOOLEAN_FLAGS = new Set(['cross', 'cpu-prof']);

export function parseOptions(argv: readonly string[]): BenchOptions {
  return parseArgs('bench', USAGE, argv, schema, BOOLEAN_FLAGS);
}

export function scenariosOf(o: BenchOptions): Scenario[] {
  const points: Array<Omit<Scenario, 'grouping'>> = [];
  const base = { subscribers: o.subscribers[0]!, jobs: o.jobs[0]!, sockets: o.sockets[0]!, tokens: o.tokens[0]! };
  if (o.cross) {
    for (const subscribers of o.subscribers)
      for (const jobs of o.jobs)
        for (const sockets of o.sockets)
          for (const tokens of o.tokens) points.push({ subscribers, jobs, sockets, tokens });
  } else {
    points.push(base);
    for (const subscribers of o.subscribers.slice(1)) points.push({ ...base, subscribers });
    for (const jobs of o.jobs.slice(1)) points.push({ ...base, jobs });
    for (const sockets of o.sockets.slice(1)) points.push({ ...base, sockets });
    for (const tokens of o.tokens.slice(1)) points.push({ ...base, tokens });
  }
  const seen = new Set<string>();
  const scenarios: Scenario[] = [];
  for (const p of points) {
    const point = {
      ...p,
      sockets: Math.min(p.sockets, p.subscribers),
      tokens: Math.min(p.tokens, p.sockets, p.subscribers),
    };
    for (const grouping of o.grouping) {
      const key = JSON.stringify({ ...point, grouping });
      if (seen.has(key)) continue;
      seen.add(key);
      scenarios.push({ ...point, grouping });
    }
  }
  return scenarios;
}
