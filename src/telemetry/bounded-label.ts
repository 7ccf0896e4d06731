/**
 * A label whose values are bounded: the first `limit` distinct values seen keep their own series,
 * every later one is reported as `other`. Operation names come from clients, so without a bound any
 * client could grow the gateway's memory and the monitoring system's series without end.
 */
export const OTHER = 'other';

export interface BoundedLabel {
  /** The label value for `value`: itself if it is one of the first `limit` seen, else `other`. Empty or missing is `anonymous`. */
  (value: string | null | undefined): string;
}

export function boundedLabel(limit: number): BoundedLabel {
  const seen = new Set<string>();
  return (value) => {
    if (value === undefined || value === null || value === '') return 'anonymous';
    if (seen.has(value)) return value;
    if (seen.size >= limit) return OTHER;
    seen.add(value);
    return value;
  };
}
