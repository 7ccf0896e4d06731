/**
 * The refusal of a bad configuration: one line per bad variable, naming it and echoing its value as a
 * message may show it (never a token, never the credentials a URL carries).
 */
import type { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * A setting's value as an error message may show it: never a token, and never the credentials a URL
 * may carry (`redis://:password@host`).
 */
function shown(name: string, value: string): string {
  if (/TOKEN|SECRET|PASSWORD/.test(name)) return '[redacted]';
  return value.replace(/[^/@]*@/, '[redacted]@');
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
