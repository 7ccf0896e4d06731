/**
 * A job as the gateway hands it around, on either provider: Nscale's job or the gateway's view of a
 * Together job. The GraphQL `Job` resolvers read it, and so do the webhooks (their payload is the job
 * as the API shows it), which sit below GraphQL: so it lives here, beside the providers, not in the schema.
 */
import type { Job, Metrics } from '../upstream/schemas.js';
import type { TogetherJobView } from './together-job.js';

/**
 * A job as resolvers see it, on either provider. A subscription event carries the metrics its poller
 * already fetched, so that `metrics` costs no upstream call per subscriber.
 */
export type JobShape = (Job | TogetherJobView) & { metricsSnapshot?: Metrics | null };

export const onTogether = (job: JobShape): job is TogetherJobView & { metricsSnapshot?: Metrics | null } =>
  'provider' in job && job.provider === 'together';

/** The id the job's upstream knows it by (a Together job's public id carries its provider). */
export const upstreamJobId = (job: JobShape): string => (onTogether(job) ? job.upstreamJobId : job.id);

/**
 * Whether the job failed and why is not in hand: a failed Together job's message is its last
 * error-level event, and Together's list (`GET /fine-tunes`) leaves a job's events out, so a listed
 * failed job says that it failed, not why (Together's job objects have no other error field). Its full
 * job (`GET /fine-tunes/{id}`) says why: `JobError.message` (src/schema/job.ts) and the webhook watcher
 * read it then, and only then.
 */
export const failureReasonUnread = (job: JobShape): boolean =>
  onTogether(job) && job.status === 'failed' && (job.error?.message ?? null) === null;

/**
 * The provider's own word for the job's status, as its API sends it: on Together its raw status
 * (`compressing`, `cancel_requested`, …), kept beside the mapped one; on Nscale its wire status, which
 * is the gateway's vocabulary already (`status` as read, lowercase). Read from the job the gateway has
 * (a query's load, a live snapshot): it costs no upstream call of its own.
 */
export const providerStatusOf = (job: JobShape): string => (onTogether(job) ? job.upstreamStatus : job.status);
