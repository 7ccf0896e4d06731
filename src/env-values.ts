/**
 * The zod parsers of environment values that src/config.ts declares its settings with: booleans,
 * bounded integers, delays that end up in timers (`milliseconds`, `seconds`: bounded by what a Node
 * timer keeps), and comma-separated lists of host names or origins. Each refusal says what the value
 * must be; config.ts adds the variable's name.
 */
import { z } from 'zod';

/** An http(s) URL; the message shows `example`. */
export const httpUrl = (example: string) =>
  z.url({ protocol: /^https?$/, message: `must be an http(s) URL such as ${example}` });

/** `true`, `false`, `yes`, `no`, `1` or `0`, in any case (`TRUE`, `Yes`): the refusal lists exactly these. */
export const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(
    z.enum(['true', 'false', 'yes', 'no', '1', '0'], { message: 'must be true, false, yes, no, 1 or 0 (in any case)' }),
  )
  .transform((v) => v === 'true' || v === 'yes' || v === '1');

export const integer = (min: number, max: number, what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: `must be ${what}` })
    .transform(Number)
    .pipe(
      z
        .number()
        // Beyond MAX_SAFE_INTEGER too (`9007199254740993`): one refusal saying what the value must be, not
        // zod's own "Too big: expected int" followed by the checks below.
        .int({ message: `must be ${what}`, abort: true })
        .min(min, { message: `must be ${what}` })
        .max(max, { message: `must be ${what}` }),
    );
export const port = integer(0, 65535, 'a port number from 0 to 65535');
export const positiveInt = integer(1, Number.MAX_SAFE_INTEGER, 'a whole number greater than 0');
export const nonNegativeInt = integer(0, Number.MAX_SAFE_INTEGER, 'a whole number, 0 or more');

/**
 * The longest delay a Node timer keeps, in milliseconds (2^31 - 1, about 24.8 days). `setTimeout` and
 * `setInterval` run a longer one after 1 ms instead (a TimeoutOverflowWarning on stderr): a poll
 * interval of 3,000,000,000 ms polled every millisecond. A setting that ends up as a timer's delay is
 * read with `milliseconds` or `seconds`, which refuse more.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
const TIMER_LIMIT = "about 24.8 days, the longest delay Node's timers keep";

/** A delay in milliseconds, from `min` to MAX_TIMER_MS. */
export const milliseconds = (min: number) =>
  integer(min, MAX_TIMER_MS, `a whole number of milliseconds from ${min} to ${MAX_TIMER_MS} (${TIMER_LIMIT})`);

/** A delay in seconds that becomes a timer's delay in milliseconds: from `min` to MAX_TIMER_MS / 1000. */
export const seconds = (min: number) => {
  const max = Math.floor(MAX_TIMER_MS / 1000);
  return integer(min, max, `a whole number of seconds from ${min} to ${max} (${TIMER_LIMIT})`);
};

/** A comma-separated list, each entry trimmed and checked by `entry` (which returns it normalised, or null). */
export const list = (what: string, entry: (value: string) => string | null) =>
  z.string().transform((value, ctx) => {
    const out: string[] = [];
    for (const raw of value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '')) {
      const normalised = entry(raw);
      if (normalised === null) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(raw)} is not ${what}` });
        return z.NEVER;
      }
      out.push(normalised);
    }
    return out;
  });

/** `gateway.example.com`, `10.0.0.5`, `[::2]`: a name as it appears in a Host header, without the port. */
export function hostName(value: string): string | null {
  try {
    const url = new URL(`http://${value}`);
    return url.host === value.toLowerCase() && url.port === '' ? url.host : null;
  } catch {
    return null;
  }
}

/** `https://app.example` or `http://localhost:5173`: exactly what a browser sends in `Origin`. */
export function origin(value: string): string | null {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value ? value : null;
  } catch {
    return null;
  }
}
