/**
 * The live-update core: turns upstream status polling into pushed events for `jobUpdated(id)` and
 * `jobsUpdated(status?)`. This file only composes; each concern has its own file.
 *
 * Sharing. One poller per (organization, job) per instance, and one list poller per organization,
 * shared by all the instance's subscribers to it and disposed when the last one leaves. Pollers are
 * keyed by organization AND job, so data read with one organization's token can only reach
 * subscribers of that organization, each of whom the upstream has already let see that very job.
 *
 * Whose token a shared poller uses (credential-pool.ts):
 * - A subscriber joins only after the upstream answered ITS OWN token for the job (`getJob`; for
 *   the list, `listJobs`, which also gives it its first events). Until then it sees nothing and
 *   holds no place in any poller; a refusal ends its stream with the upstream's coded error.
 * - Each poll uses the next distinct token among the poller's current subscribers, in join order,
 *   round robin. A token is used only while one of its subscribers is present: when a subscriber
 *   leaves, its token leaves the rotation with it (if no other subscriber holds it), and the next
 *   poll simply uses another's: that is the handover. Rotating also re-checks every member's token
 *   with the upstream at no extra cost, so a revoked token is found within N polls for N tokens.
 * - A poll answered 401/403 ends the subscriptions of that token only, with that coded error, and
 *   the poll is retried at once with the next token; the poller ends when no subscriber is left.
 * - Expiry: each subscription ends with UNAUTHENTICATED at its token's `exp` (read from the JWT
 *   payload without verifying it; the upstream verifies), and pollers skip expired tokens.
 * - With Redis, only the lease holder polls, with tokens of its own subscribers; other instances'
 *   subscribers were checked with their own tokens when they joined, end at their own `exp`, and
 *   are re-checked now and then (`intervals.standbyRecheckMs`, one token at a time, round robin):
 *   a token the upstream stops accepting ends its subscriptions on every instance.
 *
 * Failures. Transient upstream failures (5xx, 429, timeouts) are retried with exponential backoff
 * (honouring Retry-After) while subscribers wait; since every snapshot is the whole state, the
 * first answer after an outage carries all that changed, terminal status included. NOT_FOUND and
 * other final refusals end the poller's subscriptions with that error; an outage longer than
 * `giveUpAfterMs` ends them with the last error. A stream never hangs: it completes after the
 * terminal snapshot, on `close()`, or when the client leaves, or fails with an UpstreamError.
 *
 * Instances (redis-transport.ts): snapshots travel on a Redis channel per topic; a lease per topic
 * (SET NX PX, renewed by a Lua compare-and-set, released on stop) makes one instance at a time
 * poll. Instances that have subscribers but not the lease try to take it every interval, so when
 * the holder stops (releases) or dies (the lease expires), one of them takes over, and its first
 * poll publishes the full state. Each snapshot carries a content version: a subscriber gets a
 * snapshot only if its version is new and it is not behind the last one delivered, so nothing
 * arrives twice however many instances publish or replay it, and the terminal snapshot reaches
 * every instance that still has subscribers (each keeps polling until it has seen it).
 */
import { Repeater } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { JobStatus } from '../upstream/schemas.js';
import type { Credentials } from '../upstream/types.js';
import { createJobStrategy, type JobStrategy } from './job-strategy.js';
import { createListStrategy, listAllJobs, listDelivery, type ListStrategy } from './list-strategy.js';
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
  watchJobs(creds: Credentials, filter?: { status?: JobStatus }, opts?: WatchOptions): AsyncIterableIterator<JobSnapshot>;
  /** Job pollers alive in this instance. */
  pollerCount(): number;
  /** List pollers (one per organization watched) alive in this instance. */
  listPollerCount(): number;
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
    connections = { publisher: new Redis(o.redis.url), subscriber: new Redis(o.redis.url) };
    owned.push(connections.publisher, connections.subscriber);
    // ioredis reconnects by itself; without a listener its connection errors would be thrown as
    // unhandled 'error' events. Failed commands still reach the pollers, which back off and end coded.
    for (const redis of owned) redis.on('error', (error: unknown) => o.logger.warn({ err: error }, 'live updates: Redis connection error'));
  } else {
    connections = o.redis;
  }
  const transport: Transport = connections
    ? createRedisTransport({ ...connections, keyPrefix: o.keyPrefix, instanceId: o.instanceId, leaseMs: o.intervals.leaseMs, setTimer: o.setTimer, clearTimer: o.clearTimer, logger: o.logger })
    : createLocalTransport();

  const jobPollers = new Map<string, Entry<JobStrategy>>();
  const listPollers = new Map<string, Entry<ListStrategy>>();
  const streams = new Set<() => void>();
  let closed = false;

  const deps: StreamDeps = {
    now: o.now,
    setTimer: o.setTimer,
    clearTimer: o.clearTimer,
    bufferSize: o.bufferSize,
    track(end) {
      streams.add(end);
      return () => streams.delete(end);
    },
  };

  function entryFor<S extends JobStrategy | ListStrategy>(registry: Map<string, Entry<S>>, topic: Topic, makeStrategy: () => S): Entry<S> {
    const key = topicKey(topic);
    const existing = registry.get(key);
    if (existing) return existing;
    const strategy = makeStrategy();
    const entry: Entry<S> = {
      strategy,
      poller: createSharedPoller({
        topic,
        strategy,
        transport,
        intervals: o.intervals,
        now: o.now,
        setTimer: o.setTimer,
        clearTimer: o.clearTimer,
        logger: o.logger,
        onDisposed: () => {
          if (registry.get(key) === entry) registry.delete(key);
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
        verify: (signal) => o.client.getJob(creds, jobId, { signal }),
        join(job, ends) {
          if (closed) {
            ends.end();
            return () => {};
          }
          const { poller, strategy } = entryFor(jobPollers, topic, () => createJobStrategy({ client: o.client, jobId, intervals: o.intervals, now: o.now }));
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
        verify: (signal) => listAllJobs(o.client, creds, paging, signal),
        join(jobs, ends) {
          if (closed) {
            ends.end();
            return () => {};
          }
          const deliver = listDelivery(filter.status, ends.push);
          for (const job of jobs) deliver(makeSnapshot(job, null));
          const { poller, strategy } = entryFor(listPollers, topic, () => createListStrategy({ client: o.client, intervals: o.intervals, paging, now: o.now }));
          strategy.offerSeed(jobs);
          const member = memberOf(ends, deliver);
          poller.join(member);
          return () => poller.leave(member);
        },
      });
    },

    pollerCount: () => jobPollers.size,
    listPollerCount: () => listPollers.size,

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
