/** `JobError`: why a job failed, its message read from the full job where the list leaves it out. */
import { failureReasonUnread, upstreamJobId, type JobShape } from '../providers/job-shape.js';
import type { Job } from '../upstream/schemas.js';
import { builder } from './builder.js';

/**
 * A job's error; `fullJobId` when its message is to be read from the full job (`failureReasonUnread`:
 * a failed Together job from Together's list), by the id the request's job loader knows it by.
 */
type JobErrorShape = NonNullable<Job['error']> & { fullJobId?: string };

export const JobErrorRef = builder.objectRef<JobErrorShape>('JobError').implement({
  description: 'Why a job failed.',
  fields: (t) => ({
    code: t.exposeString('code', { description: "The upstream's code for the failure." }),
    message: t.string({
      nullable: true,
      description: 'What went wrong, when the upstream says.',
      // A listed Together job's from its full job, through the request's job loader: one read per
      // failed job, shared with a `job(id)` of the same request (and none when that read it already).
      resolve: async (error, _args, ctx) => {
        if (error.fullJobId === undefined) return error.message ?? null;
        return (await ctx.loaders().job.load(error.fullJobId)).error?.message ?? null;
      },
    }),
  }),
});

/** `Job.error`: a failed Together job from Together's list carries the id to read its message by. */
export function jobErrorOf(job: JobShape): JobErrorShape | null | undefined {
  return job.error && failureReasonUnread(job) ? { ...job.error, fullJobId: upstreamJobId(job) } : job.error;
}
