/**
 * Together lists an account's jobs whole, oldest first, unpaged: the gateway pages them, newest first,
 * with the same cursors as Nscale's list (job-page.ts, job-cursor.ts). The list is read once per
 * page request, however many windows job-page.ts looks at to find a cursor's place, so a page costs
 * one upstream call; the cursor (creation time and id) keeps paging stable while jobs are created.
 */
import type { JobStatusWire } from '../contract/hyperparameters.js';
import { togetherJobView, type TogetherJobView } from '../providers/together-job.js';
import type { BearerCredentials, CallOptions } from '../upstream/types.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
import type { ListJobs } from './job-page.js';

export function togetherJobList(
  session: { client: TogetherClient; creds: BearerCredentials },
  status: JobStatusWire | null,
  call: CallOptions,
): ListJobs {
  let newestFirst: Promise<TogetherJobView[]> | null = null;
  const all = () =>
    (newestFirst ??= session.client.listJobs(session.creds, { ...call, ...(status ? { status } : {}) }).then((jobs) =>
      // Newest first, as Nscale's list; a stable sort keeps Together's order among equal times.
      jobs.map(togetherJobView).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()),
    ));
  return async (offset, limit) => {
    const jobs = await all();
    return { jobs: jobs.slice(offset, offset + limit), total: jobs.length };
  };
}
