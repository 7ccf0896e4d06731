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
