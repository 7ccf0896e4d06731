/**
 * Snapshots on the wire between instances (Redis pub/sub messages and the last-state key). JSON
 * turns Dates into ISO strings; decoding turns them back, so that a subscriber on any instance gets
 * the same value, Dates included, as one on the polling instance. The version travels unchanged:
 * it was computed from the Dates' ISO form, so it stays valid.
 *
 * Signed (`snapshotCodec(secret)`): anything that can PUBLISH on the Redis server could otherwise
 * hand any subscriber a forged job state. Each message is `hmac1:<HMAC-SHA-256>:<json>`, the MAC
 * taken over the topic's channel name and the JSON, so that a genuine message replayed on another
 * topic (another tenant's job) fails too. A message unsigned or signed with another secret is refused.
 *
 * During a rotation an instance also accepts one more secret (`accepted`), which it never signs with:
 * instances that sign with the old secret and those that sign with the new one keep hearing each other.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { JobSnapshot } from './snapshot.js';

/** The wire form of snapshots for one topic (`scope`: its channel name). */
export interface SnapshotCodec {
  encode(snapshots: readonly JobSnapshot[], scope: string): string;
  /** Throws a TypeError naming what is wrong: malformed, unsigned, or signed with another secret. */
  decode(text: string, scope: string): JobSnapshot[];
}

const SIGNED = /^hmac1:([A-Za-z0-9_-]{43}):/;

/** Signs and checks messages with `secret` (and checks with `accepted` too); null: plain JSON, neither signed nor checked. */
export function snapshotCodec(secret: string | null, accepted: string | null = null): SnapshotCodec {
  if (secret === null) return { encode: encodeSnapshots, decode: decodeSnapshots };
  const macWith = (key: string, scope: string, json: string) =>
    createHmac('sha256', key).update(scope).update('\n').update(json).digest();
  const mac = (scope: string, json: string) => macWith(secret, scope, json);
  const matches = (given: Buffer, expected: Buffer) =>
    given.length === expected.length && timingSafeEqual(given, expected);
  return {
    encode(snapshots, scope) {
      const json = encodeSnapshots(snapshots);
      return `hmac1:${mac(scope, json).toString('base64url')}:${json}`;
    },
    decode(text, scope) {
      const signed = SIGNED.exec(text);
      if (!signed) throw new TypeError('snapshot message: unsigned (REDIS_MESSAGE_SECRET is set)');
      const json = text.slice(signed[0].length);
      const given = Buffer.from(signed[1]!, 'base64url');
      const signedByUs = matches(given, mac(scope, json));
      if (!signedByUs && (accepted === null || !matches(given, macWith(accepted, scope, json)))) {
        throw new TypeError('snapshot message: bad signature (another secret, or another topic)');
      }
      return decodeSnapshots(json);
    },
  };
}

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
