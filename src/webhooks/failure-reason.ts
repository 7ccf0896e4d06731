/**
 * Why a failed job failed, for its webhooks. The watcher sees jobs in their provider's list, and
 * Together's list leaves a job's events out, and with them a failed job's message
 * (`failureReasonUnread`): before the move of such a job is recorded, its full job is read, so that
 * its payload says why, as `job(id)` does. Read once per job for all of an owner's endpoints on this
 * instance (a read in flight is shared, a reason read is kept: a failed job's reason never changes),
 * only for a move that sends an event (watcher.ts), never per poll.
 */
import type { JobShape } from '../providers/job-shape.js';
import type { ProviderName } from '../providers/provider-name.js';
import type { CallOptions, Credentials } from '../upstream/types.js';

/** A job read in full by its id (the one the live updates carry), with the engine's credentials of its owner. */
export type FullJobRead = (creds: Credentials, jobId: string, opts: CallOptions) => Promise<JobShape>;

/** How many failed jobs' errors are kept (a few hundred bytes each); the oldest go first. */
const KEPT_AT_MOST = 1_000;

export interface FailureReasons {
  /** Whether jobs of this provider can be read in full here. */
  readable(provider: ProviderName): boolean;
  /**
   * `job` with the error of its full job. Rejects when the read fails (the caller decides: watcher.ts
   * records the move without the message, unless the watch is closing).
   */
  withReason(owner: { provider: ProviderName; ownerKey: string }, creds: Credentials, job: JobShape): Promise<JobShape>;
}

/**
 * `reads`: each provider's full read (Together's: together-live-client.ts). `signal`: the watcher's
 * close, which ends the reads in flight (a watch that ends meanwhile lets a shared read go on).
 */
export function failureReasons(reads: Partial<Record<ProviderName, FullJobRead>>, signal: AbortSignal): FailureReasons {
  const errors = new Map<string, Promise<JobShape['error']>>();
  return {
    readable: (provider) => reads[provider] !== undefined,
    async withReason(owner, creds, job) {
      const read = reads[owner.provider];
      if (!read) return job;
      const key = `${owner.provider}\n${owner.ownerKey}\n${job.id}`;
      let error = errors.get(key);
      if (error === undefined) {
        const reading = read(creds, job.id, { signal }).then((full) => full.error ?? job.error);
        error = reading;
        errors.set(key, reading);
        if (errors.size > KEPT_AT_MOST) errors.delete(errors.keys().next().value as string);
        // A failure is not kept (its callers each have it): another endpoint's move of the job reads again.
        reading.catch(() => {
          if (errors.get(key) === reading) errors.delete(key);
        });
      }
      return { ...job, error: await error } as JobShape;
    },
  };
}
