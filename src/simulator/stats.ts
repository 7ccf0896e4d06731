/**
 * Request counts keyed `METHOD /route-template` ("GET /jobs/{id}"), templates relative to the
 * organization base. A key is absent until its route is hit: absent means zero.
 */
export interface RequestStats {
  record(key: string): void;
  snapshot(): Record<string, number>;
  reset(): void;
}

export function createRequestStats(): RequestStats {
  const counts = new Map<string, number>();
  return {
    record: (key) => counts.set(key, (counts.get(key) ?? 0) + 1),
    snapshot: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
  };
}
