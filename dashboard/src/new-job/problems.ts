/**
 * Problems by field, as the gateway reports them (`extensions.field`; those of no field under ""), from
 * wherever they come: the form's own checks, the dataset, the estimate, the pre-flight check, the start.
 */
import { ApiError } from '../api';

export type Problems = Readonly<Record<string, readonly string[]>>;

export const NO_PROBLEMS: Problems = {};

export function problemsOf(error: unknown): Problems {
  if (error instanceof ApiError) return error.byField();
  return { '': [error instanceof Error ? error.message : String(error)] };
}

/** Every source's problems, each message once per field. */
export function mergeProblems(...sources: Problems[]): Problems {
  const merged: Record<string, string[]> = {};
  for (const source of sources)
    for (const [field, messages] of Object.entries(source))
      merged[field] = [...new Set([...(merged[field] ?? []), ...messages])];
  return merged;
}
