/**
 * The live-update core: turns upstream status polling into pushed events for `jobUpdated(id)` and
 * `jobsUpdated(status?)`. This file only composes; each concern has its own file. The design, from a
 * poll to a frame on the socket, is written once, in README.md in this folder.
 */
import { Repeater } from '@repeaterjs/repeater';
import type { Job, JobStatus } from '../upstream/schemas.js';
import type { Credentials } from '../upstream/types.js';
import { accountAnswers, reportingAnswers, type AccountAnswers } from './account-answers.js';
import { createJobStrategy, type JobStrategy } from './job-strategy.js';
import { createListStrategy, listDelivery, type ListStrategy } from './list-strategy.js';
import { listAllJobs } from './list-window.js';
import { leaseCounting, publishObserved } from './observed.js';
import { openStream, type StreamDeps, type StreamEnds } from './open-stream.js';
import { resolveOptions, type LiveUpdatesOptions, type RedisConnections, type ResolvedOptions } from './options.js';
import { createPollerRegistry, type PollerRegistry } from './poller-registry.js';
import { createRedisTransport } from './redis-transport.js';
import type { PollerMember } from './shared-poller.js';
import { makeSnapshot, type JobSnapshot } from './snapshot.js';
import { createLocalTransport, type Topic, type Transport } from './transport.js';

export type { JobSnapshot } from './snapshot.js';
export type { LiveUpdatesOptions } from './options.js';
export type { PublishListener } from './observed.js';

export interface WatchOptions {
  /** Ends the stream (completes it) when aborted, like `return()`. */
  signal?: AbortSignal;
  /**
   * The subscription's request id: its access check carries it to the upstream, and so do the polls
   * of a poller it starts (a poller that already runs keeps its starter's).
   */
  requestId?: string;
  /** Told whether the upstream accepted the subscriber's credentials at its access check (CallOptions.reached). */
  reached?: (accepted: boolean) => void;
}

export interface WatchJobsOptions extends WatchOptions {
  /**
   * Ids of jobs the subscriber knows as not finished (the webhook watcher: the jobs its store last
   * saw queued or running). The list poller reads each by id while it is past the list's window,
   * until it finishes (its changes then reach every subscriber of the list), so a job is followed
   * even by a poller that never listed it: one started after the job left the window. A job that
   * does not exist, or that the upstream refuses to the organization's tokens, is dropped after one read.
   * @default none
   */
  follow?: readonly string[];
}

export interface LiveUpdates {
  /**
   * The job as it changes: its current state first, then each change; completes after a terminal
   * status. Rejects `next()` with the UpstreamError of the access check (NOT_FOUND, FORBIDDEN,
   * UNAUTHENTICATED, …) before any event, and with a coded UpstreamError when it cannot go on.
   */
  watchJob(creds: Credentials, jobId: string, opts?: WatchOptions): AsyncIterableIterator<JobSnapshot>;
  /**
   * The organization's jobs (metrics null): each current job of the list's window (the `listMaxJobs`
   * newest) first, then each job as it is created or changes; with `status`, only jobs in that
   * status, plus a job's move out of it. A job the list poller has seen (or `opts.follow` names)
   * goes on reaching the subscriber as it changes after newer jobs push it out of the window. Never
   * completes by itself.
   */
  watchJobs(
    creds: Credentials,
    filter?: { status?: JobStatus },
    opts?: WatchJobsOptions,
  ): AsyncIterableIterator<JobSnapshot>;
  /** Prefix of its Redis keys and channels (its deployment's share of Redis: server/redis-realm.ts). */
  readonly keyPrefix: string;
  /** Job pollers alive in this instance. */
  pollerCount(): number;
  /** List pollers (one per organization watched) alive in this instance. */
  listPollerCount(): number;
  /** Subscriber streams open in this instance (identical WebSocket subscriptions grouped count once). */
  streamCount(): number;
  /** Topics of `kind` whose poll lease this instance holds (in-process: every poller's). */
  heldLeaseCount(kind: 'job' | 'jobs'): number;
  /** Stops every poller, releases their leases and completes every stream. Redis connections stay open: they are the caller's. */
  close(): Promise<void>;
}

/** What the two watch functions share: the resolved options, the pollers and the streams. */
interface HubContext {
  o: ResolvedOptions;
  deps: StreamDeps;
  jobPollers: PollerRegistry<JobStrategy>;
  listPollers: PollerRegistry<ListStrategy>;
  /** The upstream's answers per account, waking the account's job pollers (account-answers.ts). */
  answers: AccountAnswers;
  closed(): boolean;
}

export function createLiveUpdates(options: LiveUpdatesOptions): LiveUpdates {
  const o = resolveOptions(options);
  const leases = leaseCounting(
    publishObserved(o.redis ? redisTransport(o, o.redis) : createLocalTransport(), options.onChange),
  );
  const transport: Transport = leases.transport;
  const registryDeps = {
    ...o,
    transport,
    observer: options.observer,
    tracer: options.tracer,
    forget: leases.forget,
  };
  const streams = new Set<() => void>();
  let closed = false;
  const answers = accountAnswers(transport, o.logger);
  const hub: HubContext = {
    o,
    answers,
    jobPollers: createPollerRegistry<JobStrategy>({
      ...registryDeps,
      forget(topic) {
        leases.forget(topic);
        if (topic.kind === 'job') answers.forget(topic);
      },
      onFailing(topic, failing) {
        if (topic.kind === 'job') answers.failing(topic, failing);
      },
    }),
    listPollers: createPollerRegistry<ListStrategy>(registryDeps),
    closed: () => closed,
    deps: {
      clock: o.clock,
      bufferSize: o.bufferSize,
      track(end) {
        streams.add(end);
        return () => streams.delete(end);
      },
    },
  };

  return {
    watchJob: (creds, jobId, opts = {}) => (closed ? ended() : watchJob(hub, creds, jobId, opts)),
    watchJobs: (creds, filter = {}, opts = {}) => (closed ? ended() : watchJobs(hub, creds, filter, opts)),
    keyPrefix: o.keyPrefix,
    pollerCount: () => hub.jobPollers.size,
    listPollerCount: () => hub.listPollers.size,
    streamCount: () => streams.size,
    heldLeaseCount: (kind) => leases.held(kind),
    async close() {
      if (closed) return;
      closed = true;
      for (const end of [...streams]) end();
      await Promise.all([hub.jobPollers.disposeAll(), hub.listPollers.disposeAll()]);
      await transport.close();
    },
  };
}

function redisTransport(o: ResolvedOptions, connections: RedisConnections): Transport {
  return createRedisTransport({
    ...connections,
    keyPrefix: o.keyPrefix,
    instanceId: o.instanceId,
    leaseMs: o.intervals.leaseMs,
    heartbeatMs: o.intervals.heartbeatMs,
    clock: o.clock,
    logger: o.logger,
    messageSecret: o.messageSecret,
    acceptedMessageSecret: o.acceptedMessageSecret,
  });
}

const ended = (): AsyncIterableIterator<JobSnapshot> => new Repeater<JobSnapshot>((_push, stop) => stop());

const memberOf = (ends: StreamEnds, deliver: (s: JobSnapshot) => void): PollerMember => ({
  creds: ends.creds,
  expiresAt: ends.expiresAt,
  deliver,
  end: ends.end,
});

function watchJob(
  hub: HubContext,
  creds: Credentials,
  jobId: string,
  opts: WatchOptions,
): AsyncIterableIterator<JobSnapshot> {
  const { o } = hub;
  const topic: Topic = { kind: 'job', organizationId: creds.organizationId, jobId };
  return openStream(hub.deps, {
    creds,
    signal: opts.signal,
    kind: 'job',
    verify: (signal) => o.client.getJob(creds, jobId, { signal, requestId: opts.requestId, reached: opts.reached }),
    join(job, ends) {
      if (hub.closed()) {
        ends.end();
        return () => {};
      }
      const report = (jobs: readonly Job[]) => hub.answers.answered(creds.organizationId, jobs);
      const { poller, strategy } = hub.jobPollers.entryFor(topic, () =>
        reportingAnswers(
          createJobStrategy({
            client: o.client,
            jobId,
            intervals: o.intervals,
            clock: o.clock,
            requestId: opts.requestId,
          }),
          report,
        ),
      );
      hub.answers.track(topic, { answered: poller.answered, behind: strategy.behind });
      strategy.offerSeed(job);
      const member = memberOf(ends, ends.push);
      poller.join(member);
      // The access check was an answer too: a poller in backoff, or behind it, polls now (with this seed).
      report([job]);
      return () => poller.leave(member);
    },
  });
}

function watchJobs(
  hub: HubContext,
  creds: Credentials,
  filter: { status?: JobStatus },
  opts: WatchJobsOptions,
): AsyncIterableIterator<JobSnapshot> {
  const { o } = hub;
  const topic: Topic = { kind: 'jobs', organizationId: creds.organizationId };
  const paging = { pageSize: o.listPageSize, maxJobs: o.listMaxJobs };
  return openStream(hub.deps, {
    creds,
    signal: opts.signal,
    kind: 'list',
    verify: (signal) =>
      listAllJobs(o.client, creds, paging, { signal, requestId: opts.requestId, reached: opts.reached }),
    join(jobs, ends) {
      if (hub.closed()) {
        ends.end();
        return () => {};
      }
      const deliver = listDelivery(filter.status, ends.push);
      for (const job of jobs) deliver(makeSnapshot(job, null));
      const report = (shown: readonly Job[]) => hub.answers.answered(creds.organizationId, shown);
      const { poller, strategy } = hub.listPollers.entryFor(topic, () =>
        reportingAnswers(
          createListStrategy({
            client: o.client,
            intervals: o.intervals,
            paging,
            followPerPoll: o.listFollowPerPoll,
            clock: o.clock,
            logger: o.logger,
            requestId: opts.requestId,
          }),
          report,
        ),
      );
      strategy.offerSeed(jobs);
      strategy.follow(opts.follow ?? []);
      const member = memberOf(ends, deliver);
      poller.join(member);
      // The access check read the list: an answer for the account (account-answers.ts).
      report(jobs);
      return () => poller.leave(member);
    },
  });
}
