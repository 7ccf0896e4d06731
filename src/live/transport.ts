/**
 * How pollers of different instances share one job: who polls (a lease per topic) and how the
 * snapshots reach every instance's subscribers (a channel per topic, plus the last published state
 * for subscribers who join between changes). Two implementations: in-process (one instance, no
 * sharing needed) and Redis.
 */
import type { JobSnapshot } from './snapshot.js';

/** What is watched: one job of an organization, or an organization's job list. */
export type Topic = { kind: 'job'; organizationId: string; jobId: string } | { kind: 'jobs'; organizationId: string };

export function topicKey(topic: Topic): string {
  // JSON, not a separator: ids are opaque strings and may contain any separator.
  return JSON.stringify(
    topic.kind === 'job' ? ['job', topic.organizationId, topic.jobId] : ['jobs', topic.organizationId],
  );
}

/** The right to poll a topic. One per poller, never shared, so a stale holder cannot renew another's. */
export interface Lease {
  /** Whether this poller holds the lease, as far as it knows (renewal may find it lost). */
  readonly held: boolean;
  /** Takes the lease if it is free; true when held afterwards. */
  claim(): Promise<boolean>;
  /** Gives the lease up (if held) so another instance can take over at its next try. */
  release(): Promise<void>;
}

export interface Transport {
  /**
   * Calls `onSnapshots` with every message published on `topic`, by any instance, this one included.
   * Resolves once listening has really started (for Redis: SUBSCRIBE acknowledged), so that reading
   * the last state afterwards cannot miss a change published in between.
   * Returns the function that stops listening.
   */
  listen(topic: Topic, onSnapshots: (snapshots: JobSnapshot[]) => void): Promise<() => void>;
  /** Called after a reconnection, when messages may have been missed: the poller re-reads the last state. */
  onResync(topic: Topic, callback: () => void): () => void;
  /**
   * A lease of `topic` for one poller. `onVacant` is called when the holder in the way was found dead
   * (Redis: its instance stopped heartbeating), so that the poller claims at once.
   */
  lease(topic: Topic, onVacant?: () => void): Lease;
  /**
   * Publishes as the holder of `lease`, and (for `job` topics) records the snapshots as the last
   * published. False, and nothing published, when the lease turns out to be lost (fencing: an instance
   * that was paused past its lease cannot publish over the new holder). Throws when it cannot tell
   * (Redis unreachable): nothing was published.
   */
  publish(lease: Lease, topic: Topic, snapshots: readonly JobSnapshot[]): Promise<boolean>;
  /**
   * The snapshots last published for a `job` topic, oldest first: the last one is the current state
   * (the others, changes published late after a Redis outage); empty when none.
   */
  lastPublished(topic: Topic): Promise<JobSnapshot[]>;
  close(): Promise<void>;
}

/**
 * One instance: the registry already guarantees one poller per topic, so the lease is always
 * granted, and the poller hands its own snapshots to its subscribers: nothing to carry.
 */
export function createLocalTransport(): Transport {
  return {
    listen: async () => () => {},
    onResync: () => () => {},
    lease() {
      let held = false;
      return {
        get held() {
          return held;
        },
        claim: async () => (held = true),
        release: async () => {
          held = false;
        },
      };
    },
    publish: async (lease) => lease.held,
    lastPublished: async () => [],
    close: async () => {},
  };
}
