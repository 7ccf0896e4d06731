/**
 * Command-line options of the idle-memory benchmark (`npm run bench:idle -- --help`), each described
 * with its default.
 */
import { z } from 'zod';
import { parseArgs, cpuList } from './cli.js';

export const MODES = ['embedded', 'remote'] as const;
export type Mode = (typeof MODES)[number];

const USAGE = `npm run bench:idle -- [options]: the resident memory of the production start (\`npm start\`'s command)
once it is ready and has settled, read from /proc (VmRSS now, VmHWM the peak of its whole life), in each mode:

embedded: no upstream configured: the gateway starts both simulators in its own process (what \`npm start\` does)
remote:   NSCALE_API_URL and TOGETHER_API_URL set, pointing at two simulators run as separate processes
          (\`npm run simulator\`), as in front of a real upstream

Each repetition starts a fresh gateway per build and mode, in turn, so that drift on the machine hits every
one alike. The gateway runs alone on --cpus; the simulators on --upstream-cpus.`;

const schema = z.object({
  reps: z.coerce
    .number()
    .int()
    .min(1)
    .max(50)
    .default(5)
    .describe(
      'Repetitions (a fresh process per build and mode each time); tables give medians and min–max. @default 5',
    ),
  settle: z.coerce
    .number()
    .min(0)
    .max(600)
    .default(3)
    .describe(
      'Seconds after the gateway answers /readyz before its memory is read. @default 3 (as bench:http reads it)',
    ),
  modes: z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()))
    .pipe(z.array(z.enum(MODES)).min(1))
    .default([...MODES])
    .describe(`Which modes to run, of ${MODES.join(', ')}. @default both`),
  builds: z
    .string()
    .regex(/^[\w.-]+=[^,]+(,[\w.-]+=[^,]+)*$/, 'label=path pairs separated by commas')
    .optional()
    .describe(
      'Checkouts to compare side by side, as label=path (each built, with node_modules): e.g. before=/tmp/main,after=. The gateway is started in each with its own `start` script. @default this checkout alone',
    ),
  command: z
    .string()
    .optional()
    .describe(
      "Shell command that starts the gateway, run in each checkout (node_modules/.bin on PATH, like npm). @default the `start` script of that checkout's package.json",
    ),
  cpus: cpuList.default('0').describe('taskset CPU list of the gateway. @default 0'),
  upstreamCpus: cpuList.default('1').describe('taskset CPU list of the two simulators (remote mode). @default 1'),
  noPin: z.boolean().default(false).describe('Do not pin anything. @default false'),
  out: z
    .string()
    .optional()
    .describe('Also write the results to OUT.md (the tables) and OUT.json (every reading). @default none'),
});

export type IdleOptions = z.output<typeof schema>;

export function parseIdleOptions(argv: readonly string[]): IdleOptions {
  return parseArgs('bench:idle', USAGE, argv, schema, new Set(['no-pin']));
}
