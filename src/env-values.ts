/**
 * The zod parsers of environment values that src/config.ts declares its settings with: booleans,
 * bounded integers, and comma-separated lists of host names or origins. Each refusal says what the
 * value must be; config.ts adds the variable's name.
 */
import { z } from 'zod';

/** An http(s) URL; the message shows `example`. */
export const httpUrl = (example: string) =>
  z.url({ protocol: /^https?$/, message: `must be an http(s) URL such as ${example}` });

export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const integer = (min: number, max: number, what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: `must be ${what}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { message: `must be ${what}` })
        .max(max, { message: `must be ${what}` }),
    );
export const port = integer(0, 65535, 'a port number from 0 to 65535');
export const positiveInt = integer(1, Number.MAX_SAFE_INTEGER, 'a whole number greater than 0');
export const nonNegativeInt = integer(0, Number.MAX_SAFE_INTEGER, 'a whole number, 0 or more');

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
