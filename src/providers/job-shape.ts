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
 * The provider's own word for the job's status, as its API sends it: on Together its raw status
 * (`compressing`, `cancel_requested`, …), kept beside the mapped one; on Nscale its wire status, which
 * is the gateway's vocabulary already (`status` as read, lowercase). Read from the job the gateway has
 * (a query's load, a live snapshot): it costs no upstream call of its own.
 */
export const providerStatusOf = (job: JobShape): string => (onTogether(job) ? job.upstreamStatus : job.status);
