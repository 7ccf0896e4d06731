/**
 * The live-update core: turns upstream status polling into pushed events for `jobUpdated(id)` and
 * `jobsUpdated(status?)`. This file only composes; each concern has its own file. The design, from a
 * poll to a frame on the socket, is written once, in README.md in this folder.
 */
import { Repeater } from '@repeaterjs/repeater';
import type { Redis } from 'ioredis';
import { connectRedis } from './connect-redis.js';
import type { JobStatus } from '../upstream/schemas.js';
import type { Credentials } from '../upstream/types.js';
import { createJobStrategy, type JobStrategy } from './job-strategy.js';
import { createListStrategy, listAllJobs, listDelivery, type ListStrategy } from './list-strategy.js';
import { leaseCounting, observedStrategy } from './observed.js';
import { openStream, type StreamDeps, type StreamEnds } from './open-stream.js';
import { resolveOptions, type LiveUpdatesOptions, type RedisConnections } from './options.js';
import { createRedisTransport } from './redis-transport.js';
import { createSharedPoller, type PollerMember, type SharedPoller } from './shared-poller.js';
import { makeSnapshot, type JobSnapshot } from './snapshot.js';
import { createLocalTransport, topicKey, type Topic, type Transport } from './transport.js';

export type { JobSnapshot } from './snapshot.js';
export type { LiveUpdatesOptions } from './options.js';

export interface WatchOptions {
  /** Ends the stream (completes it) when aborted, like `return()`. */
  signal?: AbortSignal;
  /**
   * The subscription's request id: its access check carries it to the upstream, and so do the polls
   * of a poller it starts (a poller that already runs keeps its starter's).
   */
  requestId?: string;
}

export interface LiveUpdates {
  /**
   * The job as it changes: its current state first, then each change; completes after a terminal
   * status. Rejects `next()` with the UpstreamError of the access check (NOT_FOUND, FORBIDDEN,
   * UNAUTHENTICATED, …) before any event, and with a coded UpstreamError when it cannot go on.
   */
  watchJob(creds: Credentials, jobId: string, opts?: WatchOptions): AsyncIterableIterator<JobSnapshot>;
  /**
   * The organization's jobs (metrics null): each current job first, then each job as it is created
   * or changes; with `status`, only jobs in that status, plus a job's move out of it. Never completes by itself.
   */
  watchJobs(
    creds: Credentials,
    filter?: { status?: JobStatus },
    opts?: WatchOptions,
  ): AsyncIterableIterator<JobSnapshot>;
  /** Job pollers alive in this instance. */
  pollerCount(): number;
  /** List pollers (one per organization watched) alive in this instance. */
  listPollerCount(): number;
  /** Subscriber streams open in this instance (identical WebSocket subscriptions grouped count once). */
  streamCount(): number;
  /** Topics of `kind` whose poll lease this instance holds (in-process: every poller's). */
  heldLeaseCount(kind: 'job' | 'jobs'): number;
  /** Stops every poller, releases their leases and completes every stream. */
  close(): Promise<void>;
}

interface Entry<S> {
  poller: SharedPoller;
  strategy: S;
}

export function createLiveUpdates(options: LiveUpdatesOptions): LiveUpdates {
  const o = resolveOptions(options);
  const owned: Redis[] = [];
  let connections: RedisConnections | undefined;
  if (o.redis && 'url' in o.redis) {
    connections = { publisher: connectRedis(o.redis.url), subscriber: connectRedis(o.redis.url) };
    owned.push(connections.publisher, connections.subscriber);
    // ioredis reconnects by itself; without a listener its connection errors would be thrown as
    // unhandled 'error' events. Failed commands still reach the pollers, which back off and end coded.
    for (const redis of owned)
      redis.on('error', (error: unknown) => o.logger.warn({ err: error }, 'live updates: Redis connection error'));
  } else {
    connections = o.redis;
  }
  const leases = leaseCounting(
    connections
      ? createRedisTransport({
          ...connections,
          keyPrefix: o.keyPrefix,
          instanceId: o.instanceId,
          leaseMs: o.intervals.leaseMs,
          heartbeatMs: o.intervals.heartbeatMs,
          clock: o.clock,
          logger: o.logger,
        })
      : createLocalTransport(),
  );
  const transport: Transport = leases.transport;

  const jobPollers = new Map<string, Entry<JobStrategy>>();
  const listPollers = new Map<string, Entry<ListStrategy>>();
  const streams = new Set<() => void>();
  let closed = false;

  const deps: StreamDeps = {
    clock: o.clock,
    bufferSize: o.bufferSize,
    track(end) {
      streams.add(end);
      return () => streams.delete(end);
    },
  };

  function entryFor<S extends JobStrategy | ListStrategy>(
    registry: Map<string, Entry<S>>,
    topic: Topic,
    makeStrategy: () => S,
  ): Entry<S> {
    const key = topicKey(topic);
    const existing = registry.get(key);
    if (existing) return existing;
    const strategy = makeStrategy();
    const entry: Entry<S> = {
      strategy,
      poller: createSharedPoller({
        topic,
        strategy: observedStrategy(strategy, topic.kind, options.observer),
        transport,
        intervals: o.intervals,
        clock: o.clock,
        logger: o.logger,
        onDisposed: () => {
          if (registry.get(key) === entry) registry.delete(key);
          leases.forget(topic);
        },
      }),
    };
    registry.set(key, entry);
    return entry;
  }

  const memberOf = (ends: StreamEnds, deliver: (s: JobSnapshot) => void): PollerMember => ({
    creds: ends.creds,
    expiresAt: ends.expiresAt,
    deliver,
    end: ends.end,
  });

  const ended = (): AsyncIterableIterator<JobSnapshot> => new Repeater<JobSnapshot>((_push, stop) => stop());

  return {
    watchJob(creds, jobId, opts = {}) {
      if (closed) return ended();
      const topic: Topic = { kind: 'job', organizationId: creds.organizationId, jobId };
      return openStream(deps, {
        creds,
        signal: opts.signal,
        kind: 'job',
        verify: (signal) => o.client.getJob(creds, jobId, { signal, requestId: opts.requestId }),
        join(job, ends) {
          if (closed) {
            ends.end();
            return () => {};
          }
          const { poller, strategy } = entryFor(jobPollers, topic, () =>
            createJobStrategy({
              client: o.client,
              jobId,
              intervals: o.intervals,
              clock: o.clock,
              requestId: opts.requestId,
            }),
          );
          strategy.offerSeed(job);
          const member = memberOf(ends, ends.push);
          poller.join(member);
          return () => poller.leave(member);
        },
      });
    },

    watchJobs(creds, filter = {}, opts = {}) {
      if (closed) return ended();
      const topic: Topic = { kind: 'jobs', organizationId: creds.organizationId };
      const paging = { pageSize: o.listPageSize, maxJobs: o.listMaxJobs };
      return openStream(deps, {
        creds,
        signal: opts.signal,
        kind: 'list',
        verify: (signal) => listAllJobs(o.client, creds, paging, { signal, requestId: opts.requestId }),
        join(jobs, ends) {
          if (closed) {
            ends.end();
            return () => {};
          }
          const deliver = listDelivery(filter.status, ends.push);
          for (const job of jobs) deliver(makeSnapshot(job, null));
          const { poller, strategy } = entryFor(listPollers, topic, () =>
            createListStrategy({
              client: o.client,
              intervals: o.intervals,
              paging,
              clock: o.clock,
              requestId: opts.requestId,
            }),
          );
          strategy.offerSeed(jobs);
          const member = memberOf(ends, deliver);
          poller.join(member);
          return () => poller.leave(member);
        },
      });
    },

    pollerCount: () => jobPollers.size,
    listPollerCount: () => listPollers.size,
    streamCount: () => streams.size,
    heldLeaseCount: (kind) => leases.held(kind),

    async close() {
      if (closed) return;
      closed = true;
      for (const end of [...streams]) end();
      const entries = [...jobPollers.values(), ...listPollers.values()];
      await Promise.all(entries.map((entry) => entry.poller.dispose()));
      await transport.close();
      await Promise.all(owned.map((redis) => redis.quit().catch(() => redis.disconnect())));
    },
  };
}
