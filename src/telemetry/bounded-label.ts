/**
 * A label whose values are bounded: a value keeps its own series once it has been admitted, and at
 * most `limit` values are; every other one is reported as `other`. Operation names and organization
 * ids come from clients, so without a bound any client could grow the gateway's memory and the
 * monitoring system's series without end.
 *
 * A bound alone is not enough: if the first `limit` values seen took the slots, anyone (even a caller
 * without credentials) could send `limit` junk names early and push every real operation into
 * `other`. So a value takes a free slot only when its caller says it may (`mayTakeSlot`: the upstream
 * accepted the caller's credentials in that request, see proven-requests.ts), or when the operator
 * lists it up front (`admit`: the trusted documents' operation names).
 *
 * Values are bounded in length too (`MAX_LABEL_VALUE_CHARS`): a longer one is never admitted and is
 * always `other`. A document's operation name is one token of any length, and an admitted value is
 * copied into every series of every metric it labels (about 30 with the histograms' buckets): three
 * requests named with 500 kB each once made a 46 MB scrape, forty made it fail.
 */
export const OTHER = 'other';
export const ANONYMOUS = 'anonymous';

/**
 * The longest label value admitted: 100 characters. Far above what people and code generators name
 * operations (`GetJobDetailsWithMetricsAndCheckpointsQuery` is 43), far below what costs a scrape anything.
 */
export const MAX_LABEL_VALUE_CHARS = 100;

export interface BoundedLabel {
  /**
   * The label value for `value`: itself if admitted (or admitted now, when `mayTakeSlot` and a slot is
   * free), else `other`. Empty or missing is `anonymous`; longer than `MAX_LABEL_VALUE_CHARS` is `other`.
   */
  (value: string | null | undefined, mayTakeSlot: boolean): string;
  /** Admits `values` up front (while slots are free): values the operator vouches for. */
  admit(values: Iterable<string>): void;
}

export function boundedLabel(limit: number): BoundedLabel {
  const admitted = new Set<string>();
  const label = (value: string | null | undefined, mayTakeSlot: boolean): string => {
    if (value === undefined || value === null || value === '') return ANONYMOUS;
    // Before the set: a long value is never hashed, nor kept.
    if (value.length > MAX_LABEL_VALUE_CHARS) return OTHER;
    if (admitted.has(value)) return value;
    if (!mayTakeSlot || admitted.size >= limit) return OTHER;
    admitted.add(value);
    return value;
  };
  label.admit = (values: Iterable<string>) => {
    for (const value of values) label(value, true);
  };
  return label;
}
