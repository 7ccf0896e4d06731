/**
 * How far a job has come and how long it has left: `Job.progress` and `Job.estimatedSecondsLeft`,
 * derived from the job's status, its timestamps and its metrics (the steps done of the steps in all).
 * Only a job that trained and has not completed needs its metrics; the others are answered from the
 * job alone, so a list of queued and finished jobs costs no metrics call. On Together the steps in
 * all are the full job's, not the metrics records' (`withTotals` in metrics.ts): a job the request
 * has read costs nothing more, a listed one (truncated) one read of it.
 */
import type { GatewayContext } from '../resolvers/context.js';
import { isUpstreamError } from '../upstream/errors.js';
import type { Metrics } from '../upstream/schemas.js';
import { builder } from './builder.js';
import { providerStatusOf, upstreamJobId, type JobShape } from '../providers/job-shape.js';
import { JobRef } from './job.js';
import { withTotals } from './metrics.js';

/**
 * The metrics a progress needs, with their totals (the steps in all), or null when the job has none
 * (never ran, or the upstream has none).
 */
async function metricsOf(job: JobShape, ctx: GatewayContext): Promise<Metrics | null> {
  if (job.metricsSnapshot !== undefined) return job.metricsSnapshot && withTotals(job.metricsSnapshot, ctx);
  try {
    return await withTotals(await ctx.loaders().metrics.load(upstreamJobId(job)), ctx);
  } catch (error) {
    // A job stopped before its first step may have no metrics at all: its progress is unknown, not an error.
    if (isUpstreamError(error) && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

/** Share of the training steps done (0–1), or null when the steps in all are not known. */
export function stepFraction(metrics: Metrics | null): number | null {
  const total = metrics?.trainingSteps;
  if (!metrics || !total || total <= 0) return null;
  const step = metrics.points.at(-1)?.step ?? 0;
  return Math.min(1, Math.max(0, step / total));
}

/**
 * Seconds until the last step of a running job: the time per step so far (from `startedAt` to the
 * latest point) times the steps left, less the time since that point. Null without a rate yet.
 */
export function secondsLeft(startedAt: Date | null, metrics: Metrics | null, now: number): number | null {
  const latest = metrics?.points.at(-1);
  const total = metrics?.trainingSteps;
  if (!startedAt || !latest || !total || latest.step <= 0) return null;
  const perStep = (latest.timestamp.getTime() - startedAt.getTime()) / latest.step;
  if (!(perStep > 0)) return null;
  const leftMs = perStep * Math.max(0, total - latest.step) - (now - latest.timestamp.getTime());
  return Math.max(0, Math.round(leftMs / 1000));
}

/**
 * Whether the provider says the training is over though the job is RUNNING: Together packaging and
 * storing the output. The last step may be short of the steps planned (a job that stopped early).
 */
const trainingDone = (job: JobShape): boolean => {
  const word = providerStatusOf(job);
  return word === 'compressing' || word === 'uploading';
};

builder.objectFields(JobRef, (t) => ({
  progress: t.float({
    nullable: true,
    description:
      'Share of the training steps done, from 0 to 1 (the latest step of `metrics` over its `trainingSteps`): ' +
      'of the training, not of the whole job. ' +
      'QUEUED and STARTING: 0. RUNNING: the share so far (0 before the first step). COMPLETED: 1. ' +
      'RUNNING while the provider packages the output (`providerStatus` `compressing` or `uploading`): 1, also ' +
      'for a job that stopped early, short of its planned steps (Together’s early stopping). ' +
      'FAILED or CANCELLED: the share reached when it stopped (0 if it never trained). ' +
      'A job may reach 1 and stay RUNNING a while: its training is done and the provider is packaging and ' +
      'storing the output (`providerStatus` `compressing`, then `uploading`, on Together); `providerStatus` ' +
      'also tells a job being cancelled (`cancel_requested`), whose share stays where it stopped. ' +
      'Null when the upstream does not say how many steps the training takes.',
    resolve: async (job, _args, ctx) => {
      if (job.status === 'completed' || trainingDone(job)) return 1;
      if (job.startedAt === null) return 0;
      return stepFraction(await metricsOf(job, ctx));
    },
  }),
  estimatedSecondsLeft: t.int({
    nullable: true,
    description:
      'Estimated seconds until training ends, at the pace of the steps done so far: not until the job is ' +
      'COMPLETED, since packaging and storing the output after the last step is not counted. ' +
      'RUNNING: the steps left times the time per step since `startedAt`, less the time since the latest step (never below 0); ' +
      'null before the first step; 0 once training is done while the job is still RUNNING (`providerStatus` ' +
      '`compressing` or `uploading` on Together: the output is being packaged). A job being cancelled ' +
      '(`providerStatus` `cancel_requested`) keeps its status (RUNNING, or QUEUED if it never started) until ' +
      'the provider has stopped it: null then, as for ' +
      'CANCELLED (its training will not finish). ' +
      'COMPLETED: 0. QUEUED and STARTING: null (the wait for capacity is unknown). ' +
      'FAILED and CANCELLED: null (it will not finish).',
    resolve: async (job, _args, ctx) => {
      if (job.status === 'completed' || trainingDone(job)) return 0;
      if (job.status !== 'running' || providerStatusOf(job) === 'cancel_requested') return null;
      return secondsLeft(job.startedAt, await metricsOf(job, ctx), ctx.services.now());
    },
  }),
}));
