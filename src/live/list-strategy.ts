/**
 * Polling an organization's job list for `jobsUpdated`: the list's window (list-window.ts) every
 * interval, and the jobs it knows as not finished that are past the window by id (list-followed.ts),
 * a snapshot (job only, metrics null) for each job whose content changed. Never finishes: a
 * dashboard watches until it leaves. Each subscriber filters and dedupes for itself (see
 * `listDelivery`), because each joined with its own view of the list.
 */
import type { Job, JobStatus } from '../upstream/schemas.js';
import type { Clock } from './clock.js';
import { followedJobs } from './list-followed.js';
import { readList, type ListPaging, type ListRead } from './list-window.js';
import type { Intervals, LiveClient, LiveUpdatesLogger } from './options.js';
import type { PollStrategy } from './shared-poller.js';
import { makeSnapshot, supersedes, type JobSnapshot } from './snapshot.js';

export interface ListStrategy extends PollStrategy {
  /** The list a joining subscriber just read; the first poll uses it while it is recent. */
  offerSeed(jobs: Job[]): void;
  /** Jobs a joining subscriber knows as not finished: read by id while past the window, until they finish. */
  follow(ids: readonly string[]): void;
}

export interface ListStrategyOptions {
  client: LiveClient;
  intervals: Intervals;
  paging: ListPaging;
  /** Most jobs past the window read by id per poll (the others wait their turn). */
  followPerPoll: number;
  clock: Clock;
  logger: LiveUpdatesLogger;
  /** The id of the subscription that started the poller: its calls carry it to the upstream. */
  requestId?: string;
}

export function createListStrategy(options: ListStrategyOptions): ListStrategy {
  const { client, intervals, paging, clock, requestId } = options;
  const versions = new Map<string, string>();
  const followed = followedJobs(client, options.followPerPoll, options.logger);
  let seed: { jobs: Job[]; at: number } | undefined;

  /** A job finished past the window is neither polled nor listed again: its version is not kept. */
  const forgetPast = (window: readonly Job[]) => {
    const listed = new Set(window.map((job) => job.id));
    for (const id of versions.keys()) if (!listed.has(id) && !followed.has(id)) versions.delete(id);
  };

  return {
    offerSeed(jobs) {
      if (versions.size === 0) seed = { jobs, at: clock.now() };
    },
    follow: (ids) => followed.ask(ids),
    async verify(creds, signal) {
      await client.listJobs(creds, { limit: 1, signal, requestId });
    },
    async fetch(creds, signal, fresh) {
      const recent = seed !== undefined && clock.now() - seed.at < intervals.listMs ? seed.jobs : undefined;
      seed = undefined;
      const call = { signal, requestId };
      const list: ListRead = recent
        ? { window: recent, beyond: new Map() }
        : await readList(client, creds, paging, call);
      const past = await followed.read(creds, list, call);
      forgetPast(list.window);
      return [...list.window, ...past]
        .map((job) => makeSnapshot(job, null))
        .filter((s) => fresh || versions.get(s.job.id) !== s.version);
    },
    receive(snapshots, members) {
      for (const snapshot of snapshots) {
        versions.set(snapshot.job.id, snapshot.version);
        followed.note(snapshot.job);
      }
      for (const member of members) for (const snapshot of snapshots) member.deliver(snapshot);
      return false;
    },
    welcome() {},
    baseDelay: () => intervals.listMs,
  };
}

/**
 * A list subscriber's own filter and memory: it gets a job when its content is new to it and not
 * behind what it saw, and when it matches `status`, or matched it before (so a filtered view learns
 * that a job left it, e.g. a running job that completed).
 */
export function listDelivery(
  status: JobStatus | undefined,
  push: (snapshot: JobSnapshot) => void,
): (snapshot: JobSnapshot) => void {
  const seen = new Map<string, JobSnapshot>();
  return (snapshot) => {
    const previous = seen.get(snapshot.job.id);
    if (!supersedes(snapshot, previous)) return;
    seen.set(snapshot.job.id, snapshot);
    if (status === undefined || snapshot.job.status === status || previous?.job.status === status) push(snapshot);
  };
}
