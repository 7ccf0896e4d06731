/**
 * Request counts keyed `METHOD /route-template` ("GET /jobs/{id}"), templates relative to the
 * organization base. A key is absent until its route is hit: absent means zero.
 *
 * Also the correlation headers of the latest requests (`x-request-id`, `traceparent`; never
 * `authorization`), so that tests can check what a gateway passed on.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface RecordedRequest {
  route: string;
  requestId: string | null;
  traceparent: string | null;
}

/** Requests whose correlation headers are kept, newest last. */
const RECENT = 100;

export interface RequestStats {
  record(key: string, headers?: IncomingHttpHeaders): void;
  snapshot(): Record<string, number>;
  /** The latest requests' correlation headers, oldest first (at most 100). */
  recent(): RecordedRequest[];
  reset(): void;
}

export function createRequestStats(): RequestStats {
  const counts = new Map<string, number>();
  const recent: RecordedRequest[] = [];
  const one = (value: string | string[] | undefined): string | null =>
    Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
  return {
    record: (key, headers) => {
      counts.set(key, (counts.get(key) ?? 0) + 1);
      recent.push({ route: key, requestId: one(headers?.['x-request-id']), traceparent: one(headers?.traceparent) });
      if (recent.length > RECENT) recent.shift();
    },
    snapshot: () => Object.fromEntries(counts),
    recent: () => [...recent],
    reset: () => {
      counts.clear();
      recent.length = 0;
    },
  };
}
