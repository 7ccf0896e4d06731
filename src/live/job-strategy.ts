/**
 * Polling one job: `GET /jobs/{id}` every interval, and `GET /jobs/{id}/metrics` only while the job
 * runs or on its move to a terminal status (so the terminal snapshot holds the final metrics): at
 * most one of each per interval per job, however many subscribers watch it. A subscriber sees the
 * current state first, then each change, and the stream finishes after the terminal snapshot.
 */
import { isUpstreamError } from '../upstream/errors.js';
import type { Job, Metrics } from '../upstream/schemas.js';
import type { Credentials } from '../upstream/types.js';
import type { Clock } from './clock.js';
import type { Intervals, LiveClient } from './options.js';
import type { PollStrategy } from './shared-poller.js';
import { isTerminal, makeSnapshot, statusRank, supersedes, type JobSnapshot } from './snapshot.js';

export interface JobStrategy extends PollStrategy {
  /**
   * A state of the job just read by a joining subscriber's access check. The next poll uses it
   * instead of reading the job again, if it is still recent (younger than the running interval):
   * taken when nothing was polled yet, or when it is ahead of the last snapshot.
   */
  offerSeed(job: Job): void;
  /**
   * Whether `job`, as read elsewhere (a list poll, a subscriber's access check), is in a later status
   * than the last snapshot delivered: the job moved on since this poller last polled. False before
   * the first delivery (the first poll is under way).
   */
  behind(job: Job): boolean;
}

export interface JobStrategyOptions {
  client: LiveClient;
  jobId: string;
  intervals: Intervals;
  clock: Clock;
  /** The id of the subscription that started the poller: its calls carry it to the upstream. */
  requestId?: string;
}

export function createJobStrategy({ client, jobId, intervals, clock, requestId }: JobStrategyOptions): JobStrategy {
  let last: JobSnapshot | undefined;
  let seed: { job: Job; at: number } | undefined;
  const seedIsAhead = () =>
    seed !== undefined && last !== undefined && statusRank(seed.job.status) > statusRank(last.job.status);

  const readMetrics = async (creds: Credentials, signal: AbortSignal): Promise<Metrics | null> => {
    try {
      return await client.getMetrics(creds, jobId, { signal, requestId });
    } catch (error) {
      // A job cancelled before it ran may have no metrics at all: the job's own state still counts.
      if (isUpstreamError(error) && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  };

  return {
    offerSeed(job) {
      if (last === undefined || statusRank(job.status) > statusRank(last.job.status)) seed = { job, at: clock.now() };
    },
    behind: (job) => last !== undefined && statusRank(job.status) > statusRank(last.job.status),
    async verify(creds, signal) {
      await client.getJob(creds, jobId, { signal, requestId });
    },
    async fetch(creds, signal, fresh) {
      const recent = seed !== undefined && clock.now() - seed.at < intervals.runningMs ? seed.job : undefined;
      seed = undefined;
      const job = recent ?? (await client.getJob(creds, jobId, { signal, requestId }));
      // The poller is gone once a terminal snapshot is delivered, so a terminal status here is the
      // transition: the one time metrics are read after the run.
      const metrics = job.status === 'running' || isTerminal(job.status) ? await readMetrics(creds, signal) : null;
      const snapshot = makeSnapshot(job, metrics);
      return fresh || snapshot.version !== last?.version ? [snapshot] : [];
    },
    receive(snapshots, members) {
      for (const snapshot of snapshots) {
        if (snapshot.job.id !== jobId || !supersedes(snapshot, last)) continue;
        last = snapshot;
        for (const member of members) member.deliver(snapshot);
        if (isTerminal(snapshot.job.status)) return true;
      }
      return false;
    },
    welcome(member) {
      // A joiner whose own check saw a later status (say, the job completed since the last poll)
      // waits for the next poll rather than start with a state it knows is past: a job already
      // terminal when subscribed to yields its terminal state once, nothing before it.
      if (last && !seedIsAhead()) member.deliver(last);
    },
    baseDelay() {
      const status = last?.job.status ?? seed?.job.status;
      if (status === undefined) return intervals.runningMs;
      if (isTerminal(status)) return null;
      return status === 'running' ? intervals.runningMs : intervals.queuedMs;
    },
  };
}
