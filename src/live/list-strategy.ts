/**
 * Polling an organization's job list for `jobsUpdated`: the list pages of `GET /jobs` every
 * interval, a snapshot (job only, metrics null) for each job whose content changed. Never finishes:
 * a dashboard watches until it leaves. Each subscriber filters and dedupes for itself (see
 * `createListMember`), because each joined with its own view of the list.
 */
import type { Job, JobStatus } from '../upstream/schemas.js';
import type { CallOptions, Credentials } from '../upstream/types.js';
import type { Clock } from './clock.js';
import type { Intervals, LiveClient } from './options.js';
import type { PollStrategy } from './shared-poller.js';
import { makeSnapshot, supersedes, type JobSnapshot } from './snapshot.js';

export interface ListStrategy extends PollStrategy {
  /** The list a joining subscriber just read; the first poll uses it while it is recent. */
  offerSeed(jobs: Job[]): void;
}

export interface ListPaging {
  /** `limit` of each `GET /jobs` call. */
  pageSize: number;
  /** Pages are read until `total` or this many jobs; jobs past it are not watched. */
  maxJobs: number;
}

/** The organization's jobs, page after page. A job seen twice (the list shifted between pages) counts once. */
export async function listAllJobs(
  client: LiveClient,
  creds: Credentials,
  paging: ListPaging,
  call: CallOptions = {},
): Promise<Job[]> {
  const byId = new Map<string, Job>();
  let offset = 0;
  while (byId.size < paging.maxJobs) {
    const limit = Math.min(paging.pageSize, paging.maxJobs - byId.size);
    const page = await client.listJobs(creds, { ...call, limit, offset });
    for (const job of page.jobs) byId.set(job.id, job);
    offset += page.jobs.length;
    if (page.jobs.length === 0 || offset >= page.total) break;
  }
  return [...byId.values()];
}

export interface ListStrategyOptions {
  client: LiveClient;
  intervals: Intervals;
  paging: ListPaging;
  clock: Clock;
  /** The id of the subscription that started the poller: its calls carry it to the upstream. */
  requestId?: string;
}

export function createListStrategy({ client, intervals, paging, clock, requestId }: ListStrategyOptions): ListStrategy {
  const versions = new Map<string, string>();
  let seed: { jobs: Job[]; at: number } | undefined;

  return {
    offerSeed(jobs) {
      if (versions.size === 0) seed = { jobs, at: clock.now() };
    },
    async verify(creds, signal) {
      await client.listJobs(creds, { limit: 1, signal, requestId });
    },
    async fetch(creds, signal, fresh) {
      const recent = seed !== undefined && clock.now() - seed.at < intervals.listMs ? seed.jobs : undefined;
      seed = undefined;
      const jobs = recent ?? (await listAllJobs(client, creds, paging, { signal, requestId }));
      return jobs.map((job) => makeSnapshot(job, null)).filter((s) => fresh || versions.get(s.job.id) !== s.version);
    },
    receive(snapshots, members) {
      for (const snapshot of snapshots) versions.set(snapshot.job.id, snapshot.version);
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
