/**
 * Success bodies go through their zod schema here, so a shape the contract does not promise fails
 * at the boundary with a message naming the call and the field ("GET /jobs: unexpected response at
 * data[0].status: …"), instead of as a TypeError in a resolver much later.
 */
import type { z } from 'zod';
import { UpstreamError } from './errors.js';
import type { RawResponse } from './map-error.js';

export function parseResponse<S extends z.ZodType>(schema: S, res: RawResponse, operation: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new UpstreamError(
      'UPSTREAM_ERROR',
      `${operation}: unexpected response: the body is not JSON (HTTP ${res.status}).`,
      {
        status: res.status,
        operation,
      },
    );
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const [first] = parsed.error.issues;
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
  const where = first === undefined ? '(root)' : formatPath(first.path);
  throw new UpstreamError(
    'UPSTREAM_ERROR',
    `${operation}: unexpected response at ${where}: ${first?.message ?? 'invalid'}${more}`,
    {
      status: res.status,
      operation,
    },
  );
}

/** `["data", 0, "status"]` → `data[0].status`; the empty path is the body itself: `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}
