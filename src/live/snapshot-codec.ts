/**
 * Snapshots on the wire between instances (Redis pub/sub messages and the last-state key). JSON
 * turns Dates into ISO strings; decoding turns them back, so that a subscriber on any instance gets
 * the same value, Dates included, as one on the polling instance. The version travels unchanged:
 * it was computed from the Dates' ISO form, so it stays valid.
 */
import type { JobSnapshot } from './snapshot.js';

export function encodeSnapshots(snapshots: readonly JobSnapshot[]): string {
  return JSON.stringify(snapshots);
}

/** Throws a TypeError naming what is wrong, for a message that is not a list of snapshots. */
export function decodeSnapshots(text: string): JobSnapshot[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new TypeError('snapshot message: expected an array');
  return value.map((item: unknown, index) => reviveSnapshot(item, index));
}

function reviveSnapshot(item: unknown, index: number): JobSnapshot {
  if (!isRecord(item) || !isRecord(item.job) || typeof item.version !== 'string') {
    throw new TypeError(`snapshot message [${index}]: expected { job, metrics, version }`);
  }
  const job = item.job;
  for (const key of ['createdAt', 'startedAt', 'completedAt'] as const) {
    job[key] = reviveDate(job[key], `[${index}].job.${key}`);
  }
  const metrics = item.metrics;
  if (isRecord(metrics) && Array.isArray(metrics.points)) {
    metrics.points.forEach((point: unknown, i) => {
      if (isRecord(point)) point.timestamp = reviveDate(point.timestamp, `[${index}].metrics.points[${i}].timestamp`);
    });
  }
  // The shape was written by another instance of this same code from a parsed upstream answer;
  // checking the Dates is enough to catch a message from something else on the channel.
  return item as unknown as JobSnapshot;
}

function reviveDate(value: unknown, path: string): Date | null {
  if (value === null || value === undefined) return null;
  const date = typeof value === 'string' ? new Date(value) : null;
  if (date === null || Number.isNaN(date.getTime())) {
    throw new TypeError(`snapshot message ${path}: expected an ISO timestamp, got ${JSON.stringify(value)}`);
  }
  return date;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
