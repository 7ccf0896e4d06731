import type { GatewayContext } from '../resolvers/context.js';
import { gatewayError } from '../errors/gateway-error.js';
import type { JobSnapshot, WatchOptions } from '../live/hub.js';
import { liveSource, unwrap, type LiveItem } from '../resolvers/live-source.js';
import { upstreamIdOf } from '../resolvers/request-id-of.js';
import type { Metrics } from '../upstream/schemas.js';
import { builder } from './builder.js';
import { JobRef, JobStatusEnum, type JobShape } from './job.js';

builder.subscriptionType({
  description:
    'Live updates, pushed as jobs change: graphql-ws over WebSocket at /graphql, or SSE (`Accept: text/event-stream`).',
});

const NO_METRICS: Metrics = { points: [], trainingSteps: null, trainingTokens: null, validationSteps: null };

function live(ctx: GatewayContext) {
  const hub = ctx.services.live;
  if (!hub) throw gatewayError('INTERNAL_SERVER_ERROR', 'This gateway runs without live updates.');
  return hub;
}

/** The subscription ends with its signal; its request id goes with the access check and the polls it starts. */
function watchOptions(ctx: GatewayContext): WatchOptions {
  return { signal: ctx.call.signal, requestId: ctx.call.requestId };
}

/**
 * One event to the resolvers of one subscriber. The snapshot's job (and, for `jobUpdated`, its
 * metrics) serve `Job` without upstream calls. Only the metrics loader is cleared per event (it is
 * what changes as a job runs); linked objects that do not change with the job (base model, dataset,
 * files) stay loaded for the subscription's life, fetched once with the subscriber's own token.
 */
function toJob(item: LiveItem<JobSnapshot>, ctx: GatewayContext, withMetrics: boolean): JobShape {
  const snapshot = unwrap(item);
  ctx.loaders().metrics.clear(snapshot.job.id);
  return withMetrics ? { ...snapshot.job, metricsSnapshot: snapshot.metrics ?? NO_METRICS } : snapshot.job;
}

builder.subscriptionFields((t) => ({
  jobUpdated: t.field({
    type: JobRef,
    description:
      'The job as it changes: its current state first, then an event whenever its status, timestamps, metrics or error change. ' +
      'Completes after a final status (COMPLETED, FAILED, CANCELLED) has been delivered. An id the caller cannot see ends the stream with NOT_FOUND; ' +
      'an expired token ends it with UNAUTHENTICATED.',
    args: { id: t.arg.id({ required: true, description: 'The job to watch.' }) },
    subscribe: (_root, args, ctx) =>
      liveSource(() => {
        const id = upstreamIdOf(ctx, args.id);
        return live(ctx).watchJob(ctx.credentials(), id, watchOptions(ctx));
      }),
    resolve: (item: LiveItem<JobSnapshot>, _args, ctx) => toJob(item, ctx, true),
  }),
  jobsUpdated: t.field({
    type: JobRef,
    description:
      "The organization's jobs as they are created and change: each current job first, then one event per job per change. " +
      'With `status`, only jobs in that status (and the event of a job leaving it). Runs until the client leaves. ' +
      'Events carry no metrics snapshot: `metrics` here is read from the upstream for each subscriber and event, so dashboards ' +
      'that chart losses should subscribe to `jobUpdated` for the jobs they show.',
    args: { status: t.arg({ type: JobStatusEnum, description: 'Only jobs with this status.' }) },
    subscribe: (_root, args, ctx) =>
      liveSource(() =>
        live(ctx).watchJobs(ctx.credentials(), args.status ? { status: args.status } : {}, watchOptions(ctx)),
      ),
    resolve: (item: LiveItem<JobSnapshot>, _args, ctx) => toJob(item, ctx, false),
  }),
}));
