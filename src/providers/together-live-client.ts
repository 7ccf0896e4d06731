/**
 * Together's jobs for the live-update engine (src/live), which polls through a `LiveClient`: the job,
 * its metrics, a page of the list. The engine keys its pollers by organization and job, and carries
 * jobs opaquely (it reads their id, status and dates); so here:
 * - an account is named by a fingerprint of its key (Together has no organization ids), so that one
 *   account's pollers and lists never serve another's subscribers, and the key itself is never a key;
 * - jobs travel under their public id (`together:ft-…`, which the subscription's job id is), as the
 *   gateway's Together view (`TogetherJobView`), which the `Job` resolvers read back;
 * - Together's list is unpaged: `listJobs` answers the whole list from `offset`, newest first like
 *   Nscale's, whatever the `limit` (as `LiveClient` allows), so that a list poll downloads it once
 *   (it asked page after page, downloading the whole list again for each);
 * - a job's metrics come with their totals, which Together sends on the job, not with the records
 *   (`withJobTotals`): from the job the same poll has just read (see `jobTotalsMemory`).
 */
import { createHash } from 'node:crypto';
import type { LiveClient } from '../live/options.js';
import type { Job } from '../upstream/schemas.js';
import type { CallOptions, Credentials } from '../upstream/types.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { TogetherJob } from '../upstream/together/wire-job.js';
import { withJobTotals, type TogetherJobTotals } from '../upstream/together/wire-job-reads.js';
import { upstreamId } from './provider-ids.js';
import { togetherJobView, type TogetherJobView } from './together-job.js';
import { withPublicIds } from './together-public-ids.js';

/** The engine's credentials of a Together caller: the key, and its account named by the key's fingerprint. */
export function togetherLiveCredentials(token: string): Credentials {
  return { token, organizationId: `together:${createHash('sha256').update(token).digest('base64url')}` };
}

/**
 * The engine stores and compares jobs without reading their fields beyond id, status and dates, which
 * a Together view has under the same names and meanings; the resolvers tell the two apart (`provider`).
 */
const asEngineJob = (job: TogetherJobView): Job => job as unknown as Job;

/** How many jobs' totals the client keeps at most (a few hundred bytes each); the oldest go first. */
const KNOWN_TOTALS = 10_000;

/**
 * The totals of the latest read of each job, by account and job. The engine's poll reads the job,
 * then (while it runs, and once as it ends) its metrics, both through this client; a joining
 * subscriber's access check reads the job too, and the poll may use that read instead of its own.
 * Either way the job was read just before its metrics, and its totals are kept for them: a poll costs
 * no second read of the job. What is kept does not go stale: a job's tokens and evaluations are fixed
 * at creation, its steps once training starts; steps once known are not forgotten for a read that
 * answered later but was sent earlier (an access check's, before training started).
 */
function jobTotalsMemory() {
  const known = new Map<string, TogetherJobTotals>();
  return {
    remember(key: string, job: TogetherJob): void {
      const trainingSteps = job.trainingSteps ?? known.get(key)?.trainingSteps ?? null;
      known.delete(key);
      const { tokenCount, hyperparameters } = job;
      known.set(key, { trainingSteps, tokenCount, hyperparameters: { nEvals: hyperparameters.nEvals } });
      if (known.size > KNOWN_TOTALS) known.delete(known.keys().next().value as string);
    },
    recall: (key: string): TogetherJobTotals | undefined => known.get(key),
  };
}

/**
 * A Together job in full (`GET /fine-tunes/{id}`, its events with it), by its public id and for the
 * engine's credentials of its account, as the gateway's Together view: what the webhook watcher reads
 * of a failed job that the list shows without why (`failureReasonUnread`, webhooks/failure-reason.ts).
 */
export function togetherFullJob(
  together: TogetherClient,
): (creds: Credentials, id: string, opts: CallOptions) => Promise<TogetherJobView> {
  const client = withPublicIds(together);
  return async (creds, id, opts) =>
    togetherJobView(await client.getJob({ token: creds.token }, upstreamId('together', id), opts));
}

export function togetherLiveClient(together: TogetherClient): LiveClient {
  // Its errors name ids as the gateway gives them out (`together:ft-…`), as the jobs it answers do.
  const client = withPublicIds(together);
  const bearer = (creds: Credentials) => ({ token: creds.token });
  const totals = jobTotalsMemory();
  // The account is the key's fingerprint: one account's jobs never lend another's their totals.
  const keyOf = (creds: Credentials, id: string) => `${creds.organizationId}\n${id}`;
  const readJob = async (creds: Credentials, id: string, opts?: CallOptions) => {
    const job = await client.getJob(bearer(creds), upstreamId('together', id), opts);
    totals.remember(keyOf(creds, id), job);
    return job;
  };
  return {
    getJob: async (creds, id, opts) => asEngineJob(togetherJobView(await readJob(creds, id, opts))),
    getMetrics: async (creds, id, opts) => {
      const metrics = await client.getMetrics(bearer(creds), upstreamId('together', id), opts);
      // Kept unless thousands of jobs were read since this one: read again then.
      const job = totals.recall(keyOf(creds, id)) ?? (await readJob(creds, id, opts));
      return withJobTotals(metrics, job);
    },
    listJobs: async (creds, opts = {}) => {
      // `limit` is not applied: the whole list is downloaded anyway, and the engine takes it in one go.
      const { limit: _limit, offset = 0, status, ...call } = opts;
      const all = (await client.listJobs(bearer(creds), { ...call, ...(status ? { status } : {}) }))
        .map(togetherJobView)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      return { jobs: all.slice(offset).map(asEngineJob), total: all.length };
    },
  };
}
