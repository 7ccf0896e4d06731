/**
 * The refusal of a bad configuration: one line per bad variable, naming it and echoing its value as a
 * message may show it (never a token, never the credentials a URL carries).
 */
import type { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * A setting's value as an error message may show it: never a token, a secret or a key (an API key,
 * WEBHOOK_ENCRYPTION_KEY), and never the credentials a URL may carry (`redis://:password@host`), whatever
 * they hold: everything from the scheme's `//` to the last `@` (a base64 password holds `/`).
 */
function shown(name: string, value: string): string {
  if (/TOKEN|SECRET|PASSWORD|KEY/.test(name)) return '[redacted]';
  const at = value.lastIndexOf('@');
  if (at === -1) return value;
  const slashes = value.indexOf('//');
  const from = slashes !== -1 && slashes < at ? slashes + 2 : value.indexOf(':') + 1;
  return `${value.slice(0, from)}[redacted]${value.slice(at)}`;
}

export function configErrorMessage(issues: readonly z.core.$ZodIssue[], env: Record<string, string | undefined>) {
  const lines = issues.map((issue) => {
    // A rule across variables (config.ts's superRefine) is stated whole, with the values it needs.
    if (issue.code === 'custom' && (issue.params as { whole?: boolean } | undefined)?.whole) return issue.message;
    const name = String(issue.path[0] ?? '(environment)');
    return `${name}=${JSON.stringify(shown(name, env[name] ?? ''))}: ${issue.message}`;
  });
  return `Invalid configuration:\n  ${lines.join('\n  ')}`;
}
