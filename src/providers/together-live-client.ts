/**
 * Together's jobs for the live-update engine (src/live), which polls through a `LiveClient`: the job,
 * its metrics, a page of the list. The engine keys its pollers by organization and job, and carries
 * jobs opaquely (it reads their id, status and dates); so here:
 * - an account is named by a fingerprint of its key (Together has no organization ids), so that one
 *   account's pollers and lists never serve another's subscribers, and the key itself is never a key;
 * - jobs travel under their public id (`together:ft-…`, which the subscription's job id is), as the
 *   gateway's Together view (`TogetherJobView`), which the `Job` resolvers read back;
 * - Together's unpaged list is paged here, newest first like Nscale's.
 */
import { createHash } from 'node:crypto';
import type { LiveClient } from '../live/options.js';
import type { Job } from '../upstream/schemas.js';
import type { Credentials } from '../upstream/types.js';
import type { TogetherClient } from '../upstream/together/together-client-types.js';
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

export function togetherLiveClient(together: TogetherClient): LiveClient {
  // Its errors name ids as the gateway gives them out (`together:ft-…`), as the jobs it answers do.
  const client = withPublicIds(together);
  const bearer = (creds: Credentials) => ({ token: creds.token });
  return {
    getJob: async (creds, id, opts) =>
      asEngineJob(togetherJobView(await client.getJob(bearer(creds), upstreamId('together', id), opts))),
    getMetrics: (creds, id, opts) => client.getMetrics(bearer(creds), upstreamId('together', id), opts),
    listJobs: async (creds, opts = {}) => {
      const { limit, offset = 0, status, ...call } = opts;
      const all = (await client.listJobs(bearer(creds), { ...call, ...(status ? { status } : {}) }))
        .map(togetherJobView)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      const page = all.slice(offset, limit === undefined ? undefined : offset + limit);
      return { jobs: page.map(asEngineJob), total: all.length };
    },
  };
}
