/**
 * The command line of the benchmarks: `--name value`, `--name=value`, boolean flags alone, and
 * `--help`, which prints every option with its description (the zod `.describe()` text, which
 * states the default) and exits. Values are validated by the benchmark's zod schema; a bad one
 * stops the run with a message naming the flag.
 */
import { z } from 'zod';

/**
 * A taskset CPU list: cores and ranges separated by commas (`0`, `0-1`, `0,2-3`), each range from a
 * lower core to a higher one. (taskset itself would refuse `0-1-2` or `3-1`, after the run started.)
 */
export const cpuList = z
  .string()
  .regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'a taskset CPU list such as 0, 0-1 or 0,2-3')
  .refine(
    (list) =>
      list.split(',').every((part) => {
        const [from, to] = part.split('-').map(Number);
        return to === undefined || from! <= to;
      }),
    'each range of the CPU list goes from a lower core to a higher one',
  );

/** Raised for a command line that does not parse; the benchmarks print its message alone and exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The help text: usage, then one paragraph per option, in the schema's order. */
export function helpText(usage: string, schema: z.ZodObject): string {
  const lines = [usage, '', 'Options:'];
  for (const [key, field] of Object.entries(schema.shape)) {
    const description = (field as z.ZodType).description ?? '';
    lines.push(`  --${kebab(key)}`, `      ${description}`);
  }
  lines.push('  --help', '      Print these options and exit.');
  return lines.join('\n');
}

/**
 * Parses argv against `schema`. `--help` prints `helpText` and exits 0; anything that does not
 * parse prints one line naming the flag (prefixed with `program`) to stderr and exits 2, without a
 * stack trace: it is the user's input, not a fault of the benchmark.
 */
export function parseArgs<S extends z.ZodObject>(
  program: string,
  usage: string,
  argv: readonly string[],
  schema: S,
  booleanFlags: ReadonlySet<string>,
): z.output<S> {
  try {
    return readArgs(program, usage, argv, schema, booleanFlags);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

/** parseArgs without the exit: throws a UsageError naming the flag. */
export function readArgs<S extends z.ZodObject>(
  program: string,
  usage: string,
  argv: readonly string[],
  schema: S,
  booleanFlags: ReadonlySet<string>,
): z.output<S> {
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      console.log(helpText(usage, schema));
      process.exit(0);
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`${program}: unexpected argument ${JSON.stringify(arg)} (see --help)`);
    const name = match[1]!;
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(key in schema.shape)) throw new UsageError(`${program}: unknown option --${name} (see --help)`);
    if (booleanFlags.has(name)) {
      raw[key] = match[2] === undefined ? true : match[2] !== 'false';
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`${program}: --${name} needs a value`);
    raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${program}: --${kebab(String(issue?.path[0] ?? '?'))}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
