/**
 * What the hub tells an observer (the gateway's metrics), without this folder knowing of metrics:
 * each poll and how it ended, and the leases this instance holds; a tracer (the gateway's
 * tracing, without this folder knowing of OpenTelemetry) runs each poller's polls in one trace; and a
 * publish listener (the gateway's response cache, without this folder knowing of GraphQL) hears of
 * each change before it is published. All are wrappers around the pieces the shared poller already
 * uses (its strategy, its transport), so the poller is unchanged.
 */
import type { PollStrategy } from './shared-poller.js';
import type { JobSnapshot } from './snapshot.js';
import { topicKey, type Lease, type Topic, type Transport } from './transport.js';

export interface LiveUpdatesObserver {
  /** A poll of the upstream for a topic (`job` or `jobs`, the organization's list) ended. */
  poll(kind: Topic['kind'], outcome: 'ok' | 'failed'): void;
}

/** One poller's trace (the gateway's tracing, src/telemetry/live-poller-trace.ts): its polls run inside it. */
export interface PollerTrace {
  /** Runs one poll (its upstream calls) inside the poller's trace. */
  poll<T>(run: () => Promise<T>): Promise<T>;
  /** The poller is gone. */
  end(): void;
}

export interface PollerTracer {
  /** Called as a poller starts, in the async context of the subscription that starts it. */
  start(kind: Topic['kind']): PollerTrace;
}

/**
 * Hears of the snapshots a poller is about to publish: what changed in `topic` (or, on the first poll
 * after taking its lease, everything). Awaited before the snapshots go out, so that whatever it
 * does (evicting cached answers) is done by the time a subscriber sees the change. It should not
 * throw; if it does, the snapshots are published all the same.
 */
export type PublishListener = (topic: Topic, snapshots: readonly JobSnapshot[]) => Promise<void> | void;

/** `strategy` whose every fetch is reported to `observer` and run inside `trace`. */
export function observedStrategy<S extends PollStrategy>(
  strategy: S,
  kind: Topic['kind'],
  observer: LiveUpdatesObserver | undefined,
  trace?: PollerTrace,
): S {
  if (!observer && !trace) return strategy;
  const observed: PollStrategy['fetch'] = async (creds, signal, fresh) => {
    try {
      const snapshots = await strategy.fetch(creds, signal, fresh);
      observer?.poll(kind, 'ok');
      return snapshots;
    } catch (error) {
      if (!signal.aborted) observer?.poll(kind, 'failed');
      throw error;
    }
  };
  const fetch: PollStrategy['fetch'] = trace
    ? (creds, signal, fresh) => trace.poll(() => observed(creds, signal, fresh))
    : observed;
  return Object.assign(Object.create(strategy) as S, { fetch });
}

/**
 * `transport` whose leases are remembered per topic, so that the ones held can be counted. The lease
 * objects are handed on unchanged (the Redis transport knows its own by identity); the hub forgets a
 * topic's lease when its poller is disposed.
 */
export function leaseCounting(transport: Transport): {
  transport: Transport;
  forget(topic: Topic): void;
  held(kind: Topic['kind']): number;
} {
  const leases = new Map<string, { lease: Lease; kind: Topic['kind'] }>();
  return {
    transport: {
      ...transport,
      lease(topic, onVacant) {
        const lease = transport.lease(topic, onVacant);
        leases.set(topicKey(topic), { lease, kind: topic.kind });
        return lease;
      },
    },
    forget: (topic) => leases.delete(topicKey(topic)),
    held(kind) {
      let n = 0;
      for (const entry of leases.values()) if (entry.kind === kind && entry.lease.held) n++;
      return n;
    },
  };
}

/** `transport` whose publications `listener` hears first (see PublishListener). */
export function publishObserved(transport: Transport, listener: PublishListener | undefined): Transport {
  if (!listener) return transport;
  return {
    ...transport,
    async publish(lease, topic, snapshots) {
      if (snapshots.length > 0) {
        try {
          await listener(topic, snapshots);
        } catch {
          // The listener's own failure (say, its cache store unreachable) never holds up live updates.
        }
      }
      return transport.publish(lease, topic, snapshots);
    },
  };
}
