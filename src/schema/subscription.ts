import type { GatewayContext } from '../resolvers/context.js';
import { gatewayError } from '../errors/gateway-error.js';
import type { JobSnapshot, LiveUpdates, WatchOptions } from '../live/hub.js';
import { togetherLiveCredentials } from '../providers/together-live-client.js';
import type { Credentials } from '../upstream/types.js';
import { liveSource, unwrap, type LiveItem } from '../resolvers/live-source.js';
import { upstreamIdOf } from '../resolvers/request-id-of.js';
import { asUnknownJob } from '../resolvers/unknown-job.js';
import type { Metrics } from '../upstream/schemas.js';
import { withJobTotals } from '../upstream/together/wire-job-reads.js';
import { builder } from './builder.js';
import { onTogether, upstreamJobId, type JobShape } from '../providers/job-shape.js';
import { JobRef, JobStatusEnum } from './job.js';
import { totalsFromMetricsOf } from './metrics.js';

builder.subscriptionType({
  description:
    'Live updates, pushed as jobs change: graphql-ws over WebSocket at /graphql, or SSE (`Accept: text/event-stream`).',
});

/**
 * The request's provider's live updates, and the caller's credentials there: Nscale's hub with its
 * organization, or Together's with the account named by its key's fingerprint (together-live-client.ts).
 */
function live(ctx: GatewayContext): { hub: LiveUpdates; creds: Credentials; together: boolean } {
  const { provider, credentials } = ctx.session();
  const together = provider.api.name === 'together';
  const hub = together ? (provider.live ?? null) : ctx.services.live;
  if (!hub) throw gatewayError('INTERNAL_SERVER_ERROR', 'This gateway runs without live updates.');
  return { hub, creds: together ? togetherLiveCredentials(credentials.token) : ctx.credentials(), together };
}

/** The subscription ends with its signal; its request id goes with the access check and the polls it starts. */
function watchOptions(ctx: GatewayContext): WatchOptions {
  return { signal: ctx.call.signal, requestId: ctx.call.requestId, reached: ctx.call.reached };
}

/**
 * The metrics of a job whose snapshot holds none (its poller reads them once training started): no
 * points, and the totals a `job(id)` query gives at that moment, so that a client cache merging the
 * event's metrics does not blank them. Together's are on the job the poll read (`token_count`,
 * `n_evals`, and the steps once training started): no call. Nscale sends them with the metrics only:
 * read when a field shows one (`withTotals`, metrics.ts), once for the subscription (see `toJob`).
 */
function metricsBeforeTraining(job: JobShape): Metrics {
  if (!onTogether(job)) return totalsFromMetricsOf(upstreamJobId(job));
  return withJobTotals({ points: [], trainingSteps: null, trainingTokens: null, validationSteps: null }, job);
}

/**
 * One event to the resolvers of one subscriber. The snapshot's job (and, for `jobUpdated`, its
 * metrics) serve `Job` without upstream calls. Only what changes as a job runs is cleared per event
 * (the job as loaded by id, whose totals go with its metrics on Together, its metrics, and on Together
 * its events and checkpoints); linked objects that do not change with
 * the job (base model, dataset, files) stay loaded for the subscription's life, fetched once with the
 * subscriber's own token. An Nscale job's metrics read for their totals while its snapshots hold none
 * stay loaded too: the totals are fixed when the job is created, and no points come before training.
 */
function toJob(item: LiveItem<JobSnapshot>, ctx: GatewayContext, withMetrics: boolean): JobShape {
  const snapshot = unwrap(item);
  const job = snapshot.job as JobShape;
  const id = upstreamJobId(job);
  const loaders = ctx.loaders();
  const totalsKept = withMetrics && snapshot.metrics === null && !onTogether(job);
  for (const running of [loaders.job, loaders.metrics, loaders.events, loaders.checkpoints]) {
    if (!(totalsKept && running === loaders.metrics)) running.clear(id);
  }
  return withMetrics ? { ...job, metricsSnapshot: snapshot.metrics ?? metricsBeforeTraining(job) } : job;
}

builder.subscriptionFields((t) => ({
  jobUpdated: t.field({
    type: JobRef,
    description:
      'The job as it changes: its current state first, then an event whenever its status, timestamps, metrics or error change ' +
      'and what the subscription selects of it is not the same as in the event sent before (`{ id status }` gets an event per status). ' +
      'Completes after a final status (COMPLETED, FAILED, CANCELLED) has been delivered. An id the ' +
      'caller cannot see ends the stream with NOT_FOUND; ' +
      'an expired token ends it with UNAUTHENTICATED.',
    args: { id: t.arg.id({ required: true, description: 'The job to watch.' }) },
    subscribe: (_root, args, ctx) =>
      liveSource(() => {
        // Refused before any upstream call when the id is another provider's; Together's hub takes public ids.
        const id = upstreamIdOf(ctx, args.id);
        const { hub, creds, together } = live(ctx);
        return hub.watchJob(creds, together ? String(args.id) : id, watchOptions(ctx));
      }),
    resolve: (item: LiveItem<JobSnapshot>, args, ctx) => {
      // The access check's NOT_FOUND (or the job's, gone meanwhile), in the same words as `job`'s.
      if ('error' in item) throw asUnknownJob(ctx, args.id, item.error);
      return toJob(item, ctx, true);
    },
  }),
  jobsUpdated: t.field({
    type: JobRef,
    description:
      "The organization's jobs as they are created and change: each current job first, then one event per job per change " +
      '(none when what the subscription selects is the same as in the event sent just before). ' +
      'With `status`, only jobs in that status (and the event of a job leaving it). Runs until the client leaves. ' +
      'Events carry no metrics snapshot: `metrics` here is read from the upstream for each subscriber and event, so dashboards ' +
      'that chart losses should subscribe to `jobUpdated` for the jobs they show.',
    args: { status: t.arg({ type: JobStatusEnum, description: 'Only jobs with this status.' }) },
    subscribe: (_root, args, ctx) =>
      liveSource(() => {
        const { hub, creds } = live(ctx);
        return hub.watchJobs(creds, args.status ? { status: args.status } : {}, watchOptions(ctx));
      }),
    resolve: (item: LiveItem<JobSnapshot>, _args, ctx) => toJob(item, ctx, false),
  }),
}));
